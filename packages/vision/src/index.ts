export * from './data';
export * from './models';
export * from './image/image-grid';
export * from './training/classifier-training';
