/**
 * What FCM's messages:send checks in a request body and how it words its refusals: google.rpc.Status
 * bodies (`{"error": {code, message, status, details}}`) with an FcmError detail naming the errorCode.
 */

export type FcmErrorCode =
  | 'UNREGISTERED'
  | 'INVALID_ARGUMENT'
  | 'SENDER_ID_MISMATCH'
  | 'QUOTA_EXCEEDED'
  | 'UNAVAILABLE'
  | 'INTERNAL'
  | 'THIRD_PARTY_AUTH_ERROR';

/** HTTP status, google.rpc status and the usual message of each FcmError code (FCM's ErrorCode reference). */
export const FCM_ERRORS: Record<FcmErrorCode, { http: number; status: string; message: string }> = {
  UNREGISTERED: { http: 404, status: 'NOT_FOUND', message: 'Requested entity was not found.' },
  INVALID_ARGUMENT: { http: 400, status: 'INVALID_ARGUMENT', message: 'The registration token is not a valid FCM registration token' },
  SENDER_ID_MISMATCH: { http: 403, status: 'PERMISSION_DENIED', message: 'SenderId mismatch' },
  QUOTA_EXCEEDED: { http: 429, status: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded.' },
  UNAVAILABLE: { http: 503, status: 'UNAVAILABLE', message: 'The service is currently unavailable.' },
  INTERNAL: { http: 500, status: 'INTERNAL', message: 'Internal error encountered.' },
  THIRD_PARTY_AUTH_ERROR: { http: 401, status: 'UNAUTHENTICATED', message: 'Auth error from APNS or Web Push Service' },
};

const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const QUOTA_FAILURE_TYPE = 'type.googleapis.com/google.rpc.QuotaFailure';
const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';

export interface ErrorReply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** A google.rpc.Status error body; `errorCode` adds the FcmError detail that FCM attaches to its own errors. */
export function googleError(http: number, status: string, message: string, errorCode?: string, extraDetails: unknown[] = []): ErrorReply {
  const details: unknown[] = [];
  if (errorCode) details.push({ '@type': FCM_ERROR_TYPE, errorCode });
  details.push(...extraDetails);
  const error: Record<string, unknown> = { code: http, message, status };
  if (details.length > 0) error.details = details;
  return { status: http, body: JSON.stringify({ error }) };
}

/** The error FCM answers for `code`, with the details it carries for that code. */
export function fcmError(code: FcmErrorCode, options: { message?: string; quota?: 'device' | 'project'; project?: string } = {}): ErrorReply {
  const spec = FCM_ERRORS[code];
  const extra: unknown[] = [];
  if (code === 'QUOTA_EXCEEDED') {
    extra.push({
      '@type': QUOTA_FAILURE_TYPE,
      violations: [options.quota === 'device'
        ? { subject: 'device', description: 'Device message rate exceeded.' }
        : { subject: `project_number:${options.project ?? '0'}`, description: 'Message rate exceeded.' }],
    });
  }
  if (code === 'INVALID_ARGUMENT' && options.message === undefined) {
    extra.push({ '@type': BAD_REQUEST_TYPE, fieldViolations: [{ field: 'message.token', description: 'Invalid registration token' }] });
  }
  return googleError(spec.http, spec.status, options.message ?? spec.message, code, extra);
}

/** 401 for a missing, unknown, revoked or expired OAuth access token: Google's wording, no FcmError. */
export function unauthenticated(missing: boolean): ErrorReply {
  const reply = googleError(401, 'UNAUTHENTICATED', missing
    ? 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.'
    : 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
  reply.headers = { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' };
  return reply;
}

const MESSAGE_FIELDS = new Set(['name', 'data', 'notification', 'android', 'webpush', 'apns', 'fcm_options', 'token', 'topic', 'condition']);
const ANDROID_PRIORITIES = new Set(['NORMAL', 'HIGH']);
/** protobuf Duration in JSON: seconds with up to nine fractional digits, then "s". */
const DURATION = /^\d+(\.\d{1,9})?s$/;
const MAX_TTL_SECONDS = 2_419_200;
/** FCM's limit on a message's payload; the mock measures it over data + notification, as Herald does. */
export const FCM_MAX_PAYLOAD_BYTES = 4096;

export interface ValidSend {
  message: Record<string, unknown>;
  validateOnly: boolean;
  token: string | undefined;
  /** The topic name or the condition, for a topic send. */
  topic?: string;
  condition?: string;
}

/** FCM's topic name rule; the `/topics/` prefix of the legacy API is not part of a v1 topic. */
const TOPIC_NAME = /^[a-zA-Z0-9\-_.~%]+$/;
/** One `'name' in topics` term of a condition (FCM quotes with ' or "). */
const CONDITION_TERM = /(['"])([^'"]*)\1\s+in\s+topics/g;

/** Parses and checks a messages:send body the way FCM would, or says what FCM would answer. */
export function validateSendBody(raw: string): ValidSend | ErrorReply {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return badArgument('Invalid JSON payload received. Unexpected token.');
  }
  if (!isObject(parsed)) return badArgument('Invalid JSON payload received. Root element must be a message.');
  for (const key of Object.keys(parsed)) {
    if (key !== 'message' && key !== 'validate_only') return badArgument(`Invalid JSON payload received. Unknown name "${key}": Cannot find field.`);
  }
  const message = parsed.message;
  if (!isObject(message)) return badArgument('Request contains an invalid argument.');
  for (const key of Object.keys(message)) {
    if (!MESSAGE_FIELDS.has(key)) return badArgument(`Invalid JSON payload received. Unknown name "${key}" at 'message': Cannot find field.`);
  }
  const targets = ['token', 'topic', 'condition'].filter((k) => message[k] !== undefined);
  if (targets.length === 0) return badArgument('Recipient of the message is not set.');
  if (targets.length > 1) return badArgument(`Invalid JSON payload received. Oneof field 'target' is already set. Cannot set '${targets[1]}'`);

  const dataProblem = checkStringMap(message.data, 'message.data') ?? (isObject(message.android) ? checkStringMap(message.android.data, 'message.android.data') : undefined);
  if (dataProblem) return badArgument(dataProblem);
  if (message.notification !== undefined && !isObject(message.notification)) return badArgument("Invalid value at 'message.notification'");

  if (message.android !== undefined) {
    if (!isObject(message.android)) return badArgument("Invalid value at 'message.android'");
    const { priority, ttl } = message.android;
    if (priority !== undefined && !ANDROID_PRIORITIES.has(String(priority))) return badArgument(`Invalid value at 'message.android.priority' (type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority), "${String(priority)}"`);
    if (ttl !== undefined && (typeof ttl !== 'string' || !DURATION.test(ttl))) return badArgument(`Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration), ${JSON.stringify(ttl)}`);
    if (typeof ttl === 'string' && Number.parseFloat(ttl) > MAX_TTL_SECONDS) return badArgument('The TTL exceeds the maximum of 4 weeks.');
  }
  for (const block of ['apns', 'webpush'] as const) {
    const value = message[block];
    if (value === undefined) continue;
    if (!isObject(value)) return badArgument(`Invalid value at 'message.${block}'`);
    const problem = checkStringMap(value.headers, `message.${block}.headers`);
    if (problem) return badArgument(problem);
  }

  let bytes = 0;
  if (message.data !== undefined) bytes += Buffer.byteLength(JSON.stringify(message.data));
  if (message.notification !== undefined) bytes += Buffer.byteLength(JSON.stringify(message.notification));
  if (bytes > FCM_MAX_PAYLOAD_BYTES) return badArgument(`Message is too big: ${bytes} bytes of data and notification, over ${FCM_MAX_PAYLOAD_BYTES}.`);

  const token = typeof message.token === 'string' ? message.token : undefined;
  if (message.token !== undefined && (token === undefined || token === '' || /\s/.test(token))) return fcmError('INVALID_ARGUMENT');
  if (message.topic !== undefined) {
    if (typeof message.topic !== 'string' || !TOPIC_NAME.test(message.topic)) return fieldViolation('message.topic', 'Invalid topic name');
    return { message, validateOnly: parsed.validate_only === true, token, topic: message.topic };
  }
  if (message.condition !== undefined) {
    if (typeof message.condition !== 'string' || conditionProblem(message.condition)) return fieldViolation('message.condition', 'Invalid condition expression');
    return { message, validateOnly: parsed.validate_only === true, token, condition: message.condition };
  }
  return { message, validateOnly: parsed.validate_only === true, token };
}

function checkStringMap(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) return `Invalid value at '${where}'`;
  let i = 0;
  for (const v of Object.values(value)) {
    if (typeof v !== 'string') return `Invalid value at '${where}[${i}].value' (TYPE_STRING), ${JSON.stringify(v)}`;
    i++;
  }
  return undefined;
}

/**
 * Whether a condition is not what FCM parses: `'a' in topics` terms (at most five, valid names)
 * joined by && and ||, with ! and balanced parentheses. The mock checks the shape by removing the
 * terms and reading what is left, which is stricter about nothing FCM allows.
 */
function conditionProblem(condition: string): boolean {
  let terms = 0;
  let badName = false;
  const rest = condition.replace(CONDITION_TERM, (_m, _q: string, name: string) => {
    terms++;
    if (!TOPIC_NAME.test(name)) badName = true;
    return 'T';
  });
  if (badName || terms === 0 || terms > 5) return true;
  const compact = rest.replace(/\s+/g, '');
  if (!/^[T!()&|]+$/.test(compact)) return true;
  // Balanced parentheses, and operators only between terms.
  let depth = 0;
  for (const c of compact) {
    depth += c === '(' ? 1 : c === ')' ? -1 : 0;
    if (depth < 0) return true;
  }
  if (depth !== 0) return true;
  const shape = compact.replace(/[()!]/g, '');
  return !/^T((&&|\|\|)T)*$/.test(shape);
}

/** A 400 INVALID_ARGUMENT with a google.rpc.BadRequest naming the field, as FCM answers for a malformed target. */
function fieldViolation(field: string, description: string): ErrorReply {
  return googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', 'INVALID_ARGUMENT', [{ '@type': BAD_REQUEST_TYPE, fieldViolations: [{ field, description }] }]);
}

function badArgument(message: string): ErrorReply {
  return googleError(400, 'INVALID_ARGUMENT', message, 'INVALID_ARGUMENT');
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
