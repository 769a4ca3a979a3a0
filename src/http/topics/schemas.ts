import { Type, type Static } from '@sinclair/typebox';

/** The JSON publish body (`PUT/POST /`, spec §3.3). Unknown keys are ignored. */
export const JsonPublishBody = Type.Object(
  {
    topic: Type.String(),
    message: Type.Optional(Type.String()),
    title: Type.Optional(Type.String()),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 5 })),
    tags: Type.Optional(Type.Array(Type.String())),
    click: Type.Optional(Type.String()),
    icon: Type.Optional(Type.String()),
    actions: Type.Optional(Type.Array(Type.Unknown())),
    attach: Type.Optional(Type.String()),
    markdown: Type.Optional(Type.Boolean()),
    filename: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    call: Type.Optional(Type.String()),
    delay: Type.Optional(Type.String()),
    cache: Type.Optional(Type.String()),
    firebase: Type.Optional(Type.String()),
    /** ntfy 2.16: the notification this message updates (`sid` is accepted too). */
    sequence_id: Type.Optional(Type.String()),
    sid: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);
export type JsonPublishBody = Static<typeof JsonPublishBody>;

/** Path parameters of topic routes; names are checked in the handler so bad ones give 404. */
export const TopicParams = Type.Object({ topic: Type.String() });
export type TopicParams = Static<typeof TopicParams>;
export const TopicListParams = Type.Object({ topics: Type.String() });
export type TopicListParams = Static<typeof TopicListParams>;
/** `/<topic>/<sequence_id>[/clear]` (ntfy 2.16); both names are checked in the handler. */
export const SequenceParams = Type.Object({ topic: Type.String(), sid: Type.String() });
export type SequenceParams = Static<typeof SequenceParams>;
/** `/file/<id>[.<ext>]`; the name is checked in the handler so bad ones give 404. */
export const FileParams = Type.Object({ name: Type.String() });
export type FileParams = Static<typeof FileParams>;
