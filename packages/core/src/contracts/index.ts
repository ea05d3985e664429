export * from './model';
export * from './objective';
export * from './metric';
export * from './task';
export * from './plugin';
export * from './teacher-provider';
export * from './report';
