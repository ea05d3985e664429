export { DataError } from './data-error';
export type { DataErrorLocation } from './data-error';
export { classCounts, exampleSize, selectExamples } from './classification-split';
export type { ClassificationSplit } from './classification-split';
export {
  clearMnistCache,
  loadMnistPackage,
  mnistPackageDigitsDir,
  parseMnistDigitFile,
  MNIST_IMAGE_SIZE,
  MNIST_NUM_CLASSES,
  MNIST_PIXELS,
  MNIST_SPLIT_FRACTIONS,
} from './load-mnist-package';
export type { LoadMnistPackageOptions, MnistSplits } from './load-mnist-package';
export { loadCsvClassification, parseCsvClassification } from './load-csv-classification';
export type { LoadCsvClassificationOptions } from './load-csv-classification';
export { splitDeterministic } from './split-deterministic';
export { assertTwoClasses, presentLabels, splitTrainValTest } from './split-train-val-test';
export type { TrainValTest, TrainValTestOptions } from './split-train-val-test';
export { batchCount, batchIndices, batches, toTensors } from './batches';
export type { Batch, BatchOptions } from './batches';
export { encodeIdx, FASHION_MNIST_CLASSES, idxFile, loadIdxDataset, loadIdxSplit, parseIdx, readIdx } from './load-idx';
export type { IdxArray, IdxDataset, IdxDatasetOptions, LoadIdxOptions } from './load-idx';
export { channelStats, denormalize, normalizeSplit } from './normalize';
export type { ChannelStats } from './normalize';
export { augmentImages, jitterFlip, rollImages } from './augment';
export type { AugmentOptions } from './augment';
export { imageDataIssues, ImageDataSchema, loadClassificationData } from './image-data-config';
export type { ClassificationData, ImageDataConfig } from './image-data-config';
