/**
 * The error registry: every error Herald can answer with, by name.
 *
 * Codes and HTTP statuses follow ntfy's numbering (ntfy clients read `code` and `http`),
 * so a topic-face client sees the same error it would see from ntfy. docs/errors.md lists
 * every entry; test/unit/errors.test.ts keeps the two in step.
 */
export interface ErrorSpec {
  readonly code: number;
  readonly http: number;
  readonly message: string;
  readonly link?: string;
}

const PUBLISH_DOCS = 'https://ntfy.sh/docs/publish/';
const LIMITS_DOCS = 'https://ntfy.sh/docs/publish/#limitations';

export const ERROR_CODES = {
  badRequest: { code: 40000, http: 400, message: 'invalid request' },
  emailDisabled: { code: 40001, http: 400, message: 'e-mail notifications are not enabled', link: `${PUBLISH_DOCS}#e-mail-notifications` },
  delayNoCache: { code: 40002, http: 400, message: 'cannot disable cache for delayed message', link: `${PUBLISH_DOCS}#scheduled-delivery` },
  delayNoEmail: { code: 40003, http: 400, message: 'delayed e-mail notifications are not supported', link: `${PUBLISH_DOCS}#scheduled-delivery` },
  delayCannotParse: { code: 40004, http: 400, message: 'invalid delay parameter: unable to parse delay', link: `${PUBLISH_DOCS}#scheduled-delivery` },
  delayTooSmall: { code: 40005, http: 400, message: 'invalid delay parameter: too small, please refer to the docs', link: `${PUBLISH_DOCS}#scheduled-delivery` },
  delayTooLarge: { code: 40006, http: 400, message: 'invalid delay parameter: too large, please refer to the docs', link: `${PUBLISH_DOCS}#scheduled-delivery` },
  priorityInvalid: { code: 40007, http: 400, message: 'invalid priority parameter', link: `${PUBLISH_DOCS}#message-priority` },
  sinceInvalid: { code: 40008, http: 400, message: 'invalid since parameter', link: 'https://ntfy.sh/docs/subscribe/api/#fetch-cached-messages' },
  topicInvalid: { code: 40009, http: 400, message: 'invalid request: topic invalid' },
  topicDisallowed: { code: 40010, http: 400, message: 'invalid topic: path invalid' },
  messageNotUtf8: { code: 40011, http: 400, message: 'invalid message: message must be UTF-8 encoded' },
  attachmentUrlInvalid: { code: 40013, http: 400, message: 'invalid request: attachment URL is invalid' },
  attachmentsDisallowed: { code: 40014, http: 400, message: 'invalid request: attachments not allowed' },
  attachmentExpiresBeforeDelivery: { code: 40015, http: 400, message: 'invalid request: attachment expiry before delayed delivery date' },
  notWebSocket: { code: 40016, http: 400, message: 'invalid request: request does not appear to be a WebSocket' },
  messageJsonInvalid: { code: 40017, http: 400, message: 'invalid request: request body must be message JSON' },
  actionsInvalid: { code: 40018, http: 400, message: 'invalid request: actions invalid', link: `${PUBLISH_DOCS}#action-buttons` },
  matrixMessageInvalid: { code: 40019, http: 400, message: 'invalid request: Matrix JSON invalid', link: 'https://ntfy.sh/docs/config/#matrix-gateway' },
  iconUrlInvalid: { code: 40021, http: 400, message: 'invalid request: icon URL is invalid', link: `${PUBLISH_DOCS}#icons` },
  signupDisabled: { code: 40022, http: 400, message: 'invalid request: signup not allowed' },
  noTokenProvided: { code: 40023, http: 400, message: 'invalid request: no token provided' },
  jsonInvalid: { code: 40024, http: 400, message: 'invalid request: request body must be valid JSON' },
  permissionInvalid: { code: 40025, http: 400, message: 'invalid request: incorrect permission string' },
  passwordConfirmationWrong: { code: 40026, http: 400, message: 'invalid request: password confirmation is not correct' },
  userNotFound: { code: 40031, http: 400, message: 'invalid request: user not found' },
  callNeedsAuth: { code: 40032, http: 400, message: 'invalid request: calls require an account and a verified phone number' },
  callNumberInvalid: { code: 40033, http: 400, message: 'invalid request: phone number invalid' },
  delayNoCall: { code: 40037, http: 400, message: 'delayed call notifications are not supported' },
  templateMessageTooLarge: { code: 40041, http: 400, message: 'invalid request: message or title is too large after replacing template' },
  templateJsonInvalid: { code: 40042, http: 400, message: 'invalid request: message body must be JSON if templating is enabled' },
  templateInvalid: { code: 40043, http: 400, message: 'invalid request: could not parse template' },
  templateDisallowedFunction: { code: 40044, http: 400, message: 'invalid request: template contains disallowed function (call, define or template)' },
  usernameInvalid: { code: 40046, http: 400, message: 'invalid request: invalid username' },
  templateExecutionFailed: { code: 40045, http: 400, message: 'invalid request: template execution failed' },
  deviceTokenInvalid: { code: 40060, http: 400, message: 'invalid request: device token invalid' },
  pushPayloadTooLarge: { code: 40061, http: 400, message: 'invalid request: push payload too large for the provider' },
  pushPayloadInvalid: { code: 40062, http: 400, message: 'invalid request: push payload invalid for the provider' },
  pushInvalid: { code: 40063, http: 400, message: 'invalid request: push invalid' },
  appUnknown: { code: 40064, http: 400, message: 'invalid request: no such app is configured for the provider' },
  webPushDisabled: { code: 40065, http: 400, message: 'invalid request: Web Push is not configured on this server' },
  subscriberInvalid: { code: 40070, http: 400, message: 'invalid request: subscriber invalid' },
  categoryInvalid: { code: 40071, http: 400, message: 'invalid request: category invalid' },
  notifyInvalid: { code: 40072, http: 400, message: 'invalid request: notification invalid' },
  channelNotConfigured: { code: 40073, http: 400, message: 'invalid request: the channel is not configured on this server' },
  headersTooLarge: { code: 43101, http: 431, message: 'request header fields too large' },
  unauthorized: { code: 40101, http: 401, message: 'unauthorized', link: 'https://ntfy.sh/docs/publish/#authentication' },
  forbidden: { code: 40301, http: 403, message: 'forbidden', link: 'https://ntfy.sh/docs/publish/#authentication' },
  linkInvalid: { code: 40303, http: 403, message: 'forbidden: the link is invalid' },
  scopeMissing: { code: 40302, http: 403, message: 'forbidden: the API key lacks the scope this route needs' },
  keyGrantExceeded: { code: 40304, http: 403, message: 'forbidden: a key may only grant scopes and categories it holds itself' },
  categoriesLimited: { code: 40305, http: 403, message: 'forbidden: this route spans every category, and the API key is limited to some' },
  notFound: { code: 40401, http: 404, message: 'page not found' },
  tokenNotFound: { code: 40402, http: 404, message: 'token not found' },
  keyNotFound: { code: 40403, http: 404, message: 'API key not found' },
  deviceNotFound: { code: 40404, http: 404, message: 'device not found' },
  pushNotFound: { code: 40405, http: 404, message: 'push not found' },
  subscriberNotFound: { code: 40406, http: 404, message: 'subscriber not found' },
  categoryNotFound: { code: 40407, http: 404, message: 'category not found' },
  templateNotFound: { code: 40408, http: 404, message: 'template not found' },
  notificationNotFound: { code: 40409, http: 404, message: 'notification not found' },
  inboxItemNotFound: { code: 40410, http: 404, message: 'inbox item not found' },
  methodNotAllowed: { code: 40501, http: 405, message: 'method not allowed' },
  linkExpired: { code: 41002, http: 410, message: 'gone: the link has expired' },
  userExists: { code: 40901, http: 409, message: 'conflict: user already exists' },
  attachmentTooLarge: { code: 41301, http: 413, message: 'invalid request: attachment too large, or bandwidth limit reached', link: LIMITS_DOCS },
  matrixMessageTooLarge: { code: 41302, http: 413, message: 'invalid request: Matrix request is larger than the max allowed length' },
  jsonBodyTooLarge: { code: 41303, http: 413, message: 'invalid request: request body too large' },
  tooManyRequests: { code: 42901, http: 429, message: 'limit reached: too many requests', link: LIMITS_DOCS },
  tooManyEmails: { code: 42902, http: 429, message: 'limit reached: too many emails', link: LIMITS_DOCS },
  tooManySubscriptions: { code: 42903, http: 429, message: 'limit reached: too many active subscriptions', link: LIMITS_DOCS },
  tooManyTopics: { code: 42904, http: 429, message: 'limit reached: the total number of topics on the server has been reached, please contact the admin', link: LIMITS_DOCS },
  attachmentBandwidthExceeded: { code: 42905, http: 429, message: 'limit reached: daily bandwidth reached', link: LIMITS_DOCS },
  tooManyAccountCreations: { code: 42906, http: 429, message: 'limit reached: too many accounts created', link: LIMITS_DOCS },
  tooManyMessages: { code: 42908, http: 429, message: 'limit reached: daily message quota reached', link: LIMITS_DOCS },
  tooManyAuthFailures: { code: 42909, http: 429, message: 'limit reached: too many auth failures', link: LIMITS_DOCS },
  internal: { code: 50001, http: 500, message: 'internal server error' },
  internalInvalidPath: { code: 50002, http: 500, message: 'internal server error: invalid path' },
  baseUrlMissing: { code: 50003, http: 500, message: 'internal server error: base-url must be be configured for this feature', link: 'https://ntfy.sh/docs/config/' },
  unavailable: { code: 50301, http: 503, message: 'service unavailable: the server is shutting down' },
  overloaded: { code: 50302, http: 503, message: 'service unavailable: the delivery queue is lagging, retry later or send with high priority' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof ERROR_CODES;
