// Regenerates docs/errors.md from the error registry: node scripts/gen-errors-doc.mjs > docs/errors.md (after a build).
const { ERROR_CODES } = await import('../dist/src/errors/codes.js');
let out = `# Errors

Every error answer has one JSON shape, followed by a newline:

\`\`\`json
{"code":40007,"http":400,"error":"invalid priority parameter","link":"https://ntfy.sh/docs/publish/#message-priority"}
\`\`\`

\`code\` is a five-digit number whose first three digits are the HTTP status; \`link\` is left out
when there is nothing to read. Topic-face codes keep ntfy's numbers, so ntfy clients show them
as they would ntfy's own. The registry in \`src/errors/codes.ts\` and this table are checked against
each other by \`test/unit/errors.test.ts\`.

| code | http | name | message |
|---|---|---|---|
`;
for (const [name, e] of Object.entries(ERROR_CODES)) out += `| ${e.code} | ${e.http} | \`${name}\` | ${e.message} |\n`;
process.stdout.write(out);
