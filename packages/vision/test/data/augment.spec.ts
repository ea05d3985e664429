import * as tf from '@tensorflow/tfjs';
import { Rng } from '@kt/core';
import { useCpuBackend } from '@kt/core/testing';
import { augmentImages, rollImages } from '../../src/data';

useCpuBackend();

describe('augmentation', () => {
  const image = Float32Array.from({ length: 9 }, (_, i) => i + 1); // 3x3x1: 1..9

  it('is a function of the Rng state: same seed same batch, other seed (eventually) another', () => {
    const batch = Float32Array.from({ length: 9 * 8 }, (_, i) => (i % 9) + 1);
    const a = augmentImages(batch, 8, [3, 3, 1], { padCrop: 1, flip: true, jitter: 1 }, Rng.fromSeed(4));
    const b = augmentImages(batch, 8, [3, 3, 1], { padCrop: 1, flip: true, jitter: 1 }, Rng.fromSeed(4));
    const c = augmentImages(batch, 8, [3, 3, 1], { padCrop: 1, flip: true, jitter: 1 }, Rng.fromSeed(5));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('flip mirrors, jitter rolls like torch.roll, padCrop shifts in zeros', () => {
    // with flip only, each image is either itself or its mirror
    const out = augmentImages(image, 1, [3, 3, 1], { flip: true }, Rng.fromSeed(1));
    const mirror = [3, 2, 1, 6, 5, 4, 9, 8, 7];
    expect([Array.from(image), mirror]).toContainEqual(Array.from(out));
    const rolled = rollImages(tf.tensor4d(image, [1, 3, 3, 1]), 1, 0).dataSync();
    expect(Array.from(rolled)).toEqual([7, 8, 9, 1, 2, 3, 4, 5, 6]);
    const crops = new Set<string>();
    for (let s = 0; s < 20; s++) crops.add(augmentImages(image, 1, [3, 3, 1], { padCrop: 1 }, Rng.fromSeed(s)).join(','));
    expect(crops.size).toBeGreaterThan(3);
    // a crop is the image itself (no shift) or has zeros shifted in
    for (const crop of crops) expect(crop === Array.from(image).join(',') || crop.split(',').includes('0')).toBe(true);
  });
});
