import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachmentDisposition } from '../../src/util/content-disposition.js';

test('Content-Disposition for download names', () => {
  const cases: [string, string][] = [
    ['chart.png', 'attachment; filename="chart.png"'],
    ['文件.txt', `attachment; filename="__.txt"; filename*=UTF-8''%E6%96%87%E4%BB%B6.txt`],
    ['café.txt', `attachment; filename="caf_.txt"; filename*=UTF-8''caf%C3%A9.txt`],
    ['a "quoted" \\ name.txt', `attachment; filename="a _quoted_ _ name.txt"; filename*=UTF-8''a%20%22quoted%22%20%5C%20name.txt`],
    ["it's (final)*.txt", `attachment; filename="it's (final)*.txt"`],
    ['über\'s (1)*.txt', `attachment; filename="_ber's (1)*.txt"; filename*=UTF-8''%C3%BCber%27s%20%281%29%2A.txt`],
    ['line\r\nbreak\u0000.txt', 'attachment; filename="linebreak.txt"'],
    ['\u0085next\u009fline.txt', 'attachment; filename="nextline.txt"'],
    ['invoice\u202Etxt.exe', 'attachment; filename="invoicetxt.exe"'],
    ['🎉.txt', `attachment; filename="_.txt"; filename*=UTF-8''%F0%9F%8E%89.txt`],
    ['half \ud83c.txt', `attachment; filename="half _.txt"; filename*=UTF-8''half%20%EF%BF%BD.txt`],
    ['\u0001\u0002', 'attachment; filename="attachment"'],
    ['   ', 'attachment; filename="attachment"'],
  ];
  for (const [name, expected] of cases) assert.equal(attachmentDisposition(name), expected, JSON.stringify(name));
});

test('the header is always printable ASCII, so Node can write it', () => {
  for (let code = 0; code < 0x3000; code += 7) {
    const header = attachmentDisposition(`x${String.fromCharCode(code)}y.bin`);
    assert.match(header, /^[\x20-\x7e]+$/, `U+${code.toString(16)}`);
  }
});
