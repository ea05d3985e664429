// Which backend runs is decided in one place, core's chooseBackend (default < config < KT_BACKEND < flag).
export { chooseBackend } from '@kt/core';
export type { BackendChoice } from '@kt/core';
