export { canonicalLocale, localeChain } from './locale-fallback.js';
export { isValidTemplateName, parseTemplate, templateToJson, TEMPLATE_FIELD_MAX_BYTES, TEMPLATE_MAX_LOCALES } from './parse-template.js';
export { renderTemplate, type RenderTemplateInput } from './render.js';
export { previewDraft, type DraftPreview, type TemplateProblem } from './preview-draft.js';
export {
  TEMPLATE_CHANNELS,
  type CompiledJson,
  type CompiledLocale,
  type EmailContent,
  type InappContent,
  type LocaleOverrides,
  type PushContent,
  type RenderedChannels,
  type RenderedTemplate,
  type SmsContent,
  type TemplateChannel,
  type TemplateChannels,
  type TemplateDefinition,
  type TemplateSource,
  type TemplateSubscriber,
  type WebhookContent,
} from './template.js';
