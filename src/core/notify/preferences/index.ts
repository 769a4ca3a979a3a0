export { capExceeded, type FrequencyCap, type SentRecord } from './frequency-caps.js';
export {
  CHANNELS,
  DEFAULT_PREFERENCES,
  PREFERENCES_MAX_CAPS,
  PREFERENCES_MAX_CATEGORIES,
  decide,
  describeCap,
  formatDuration,
  parsePreferences,
  preferencesToJson,
  type Channel,
  type DecideInput,
  type Decision,
  type Preferences,
  type PreferencesJson,
  type SuppressReason,
} from './preferences.js';
export { parseClockTime, quietWindowEnd, type QuietHours } from './quiet-hours.js';
export { hasUtcOffset, resolveSendAt } from './send-at.js';
export { isTimeZone, localParts, offsetMinutes, zonedToInstant, type LocalParts, type WallTime } from './zoned-time.js';
