/**
 * The replay fixtures: workflow histories recorded with each release, replayed by
 * test/unit/replay.test.ts against today's code. `histories/<version>/` holds what that release's
 * workflows recorded; `workflow-ids.json` there names the id each ran under (the pod workflow reads
 * its own id). A release's directory is recorded once, on purpose (`RECORD_HISTORIES=1` with
 * package.json at that version), and never re-recorded: a change that breaks it needs `patched()`.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { REPO_ROOT } from './processes';

export const HISTORIES = join(REPO_ROOT, 'test/fixtures/histories');

/** True when this run should record the fixtures of the current release. */
export const recording = (): boolean => process.env.RECORD_HISTORIES === '1';

const currentRelease = (): string =>
  (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Writes the histories of `workflows` (file name → workflow id) into the current release's directory. */
export async function recordHistories(client: Client, workflows: Record<string, string>): Promise<void> {
  const dir = join(HISTORIES, currentRelease());
  mkdirSync(dir, { recursive: true });
  const idsFile = join(dir, 'workflow-ids.json');
  const ids = existsSync(idsFile) ? (JSON.parse(readFileSync(idsFile, 'utf8')) as Record<string, string>) : {};
  for (const [file, id] of Object.entries(workflows)) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    writeFileSync(join(dir, file), `${historyToJSON(history)}\n`);
    ids[file] = id;
  }
  writeFileSync(idsFile, `${JSON.stringify(ids, null, 2)}\n`);
}

/** Every recorded release: its directory name and the histories in it. */
export function recordedReleases(): Array<{ release: string; histories: Array<{ file: string; workflowId: string }> }> {
  return readdirSync(HISTORIES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map(({ name }) => {
      const ids = JSON.parse(readFileSync(join(HISTORIES, name, 'workflow-ids.json'), 'utf8')) as Record<
        string,
        string
      >;
      return { release: name, histories: Object.entries(ids).map(([file, workflowId]) => ({ file, workflowId })) };
    });
}
