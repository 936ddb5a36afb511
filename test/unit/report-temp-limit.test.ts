import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMarkdown } from '../../harness/incident/report/render.ts';
import { renderHtml } from '../../harness/incident/report/render.ts';
import { reportFixture } from '../report-fixture.ts';

test("the run table states the server's temp_file_limit and how it was chosen; older runs say it was not recorded", () => {
  const input = reportFixture();
  input.summary.machine.temp_file_limit = {
    setting: '5909MB',
    basis:
      '76.1 GiB free above a floor of 12.6 GiB (the larger of 2 GiB and 5 % of the disk), shared by 11 sessions that can spill at once',
  };
  const md = renderMarkdown(input);
  assert.match(
    md.split('## Run')[1].split('\n## ')[0],
    /\| Temp file limit \| 5909MB per session: 76\.1 GiB free above a floor of 12\.6 GiB .* 11 sessions that can spill at once \|/,
  );
  assert.match(renderHtml(input), /<th>Temp file limit<\/th><td>5909MB per session: 76\.1 GiB free/);

  input.summary.machine.temp_file_limit = { setting: '-1', basis: 'LOADLAB_PG_SETTINGS' };
  assert.match(renderMarkdown(input), /\| Temp file limit \| none \(-1\): LOADLAB\\?_PG\\?_SETTINGS \|/);

  delete input.summary.machine.temp_file_limit;
  const old = renderMarkdown(input);
  assert.match(old, /\| Temp file limit \| n\/a \[(\d+)\] \|/);
  const note = /\| Temp file limit \| n\/a \[(\d+)\] \|/.exec(old)![1];
  assert.match(old, new RegExp(`\\n${note}\\. n/a: runs before the limit was recorded do not state it\\.`));
});
