export type { EventKind, Message, MessageAction, MessageAttachment } from '../../ports/message.js';
export { messageToJson } from './message-json.js';
