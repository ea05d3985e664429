/**
 * `@kt/core/testing`: what plugin specs share — a harness composing one plugin as the CLI does, temp directories
 * cleaned after the file, backend set-up, and the ConfigError check. jest only (the hooks are jest's).
 */
export * from './config-error-of';
export * from './directional-meta-gradient';
export * from './plugin-harness';
export * from './temp-dirs';
export * from './use-backend';
