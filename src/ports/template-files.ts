/**
 * A named template (ntfy 2.14's `X-Template: <name>`): Go text/template sources for the parts of a
 * message, each rendered against the JSON request body. A part left out is not templated.
 */
export interface TemplateFile {
  title?: string;
  message?: string;
  /** Rendered, then read as a priority (`1`–`5` or a name). */
  priority?: string;
}

/**
 * Where named templates come from besides the built-in ones: ntfy's `template-dir`, a folder of
 * `<name>.yml` files. Read on every lookup, so an edited file takes effect without a restart.
 */
export interface TemplateFileSource {
  /**
   * The template called `name` (already checked to be `[-_A-Za-z0-9]+`), or undefined when the
   * source has none. Throws HeraldError `templateFileInvalid` for a file that is not a YAML map
   * of strings under `title`, `message` and `priority`.
   */
  find(name: string): TemplateFile | undefined;
}
