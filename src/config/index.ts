export { loadConfig } from './load.js';
export type { LoadConfigOptions, LoadedConfig } from './load.js';
export { ConfigError } from './config-error.js';
export type { ConfigSource, ConfigViolation } from './config-error.js';
export { ConfigSchema, DEFAULT_CONFIG } from './schema.js';
export type { Config, ConfigKeyName, ConfigKind } from './schema.js';
export { CONFIG_KEYS, formatDuration, formatSize, NTFY_ONLY_KEYS } from './keys.js';
export type { ConfigKeyInfo } from './keys.js';
