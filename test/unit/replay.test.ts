/**
 * Replay of recorded workflow histories against today's workflow code, without a server: every
 * history each earlier release recorded (test/fixtures/histories/<release>/, see
 * test/support/histories.ts) must replay, because those workflows may still be running when the
 * new workers roll out. A code change that would break them fails here. Fix such a change with
 * `patched()` or a new workflow type, never by re-recording the history.
 * Loading the JSON fixtures also guards the protobufjs de-duplication (temporal-notes §0).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { recordedReleases } from '../support/histories';
import { installQuietRuntime } from '../support/temporal';

type History = temporal.api.history.v1.IHistory;

const PRODUCT = '../../workflows';
const RELEASES = recordedReleases();
const A_RELEASE = RELEASES[0]!.release;

/**
 * Each recorded history, the workflow module it replays against, and the id it ran under. The
 * product's are recorded with `RECORD_HISTORIES=1` by test/integration/pod-workflow (a pod configured
 * and deleted, one that waited for its NAD, its PKey's flush, its pool shard) and reconcile.
 */
const FIXTURES = [
  { file: 'smoke-workflow.json', workflowsPath: '../integration/fixtures/smoke-workflows', workflowId: 'smoke' },
  ...RELEASES.flatMap(({ release, histories }) =>
    histories.map(({ file, workflowId }) => ({ file: `${release}/${file}`, workflowsPath: PRODUCT, workflowId })),
  ),
];
const idOf = (file: string) => FIXTURES.find((f) => f.file === file)!.workflowId;

const bundles = new Map<string, WorkflowBundleWithSourceMap>();

function loadHistory(file: string): History {
  return JSON.parse(readFileSync(join(__dirname, '../fixtures/histories', file), 'utf8')) as History;
}

async function replay(workflowsPath: string, history: History, workflowId: string): Promise<Error | undefined> {
  const workflowBundle = bundles.get(workflowsPath);
  if (!workflowBundle) throw new Error(`no bundle for ${workflowsPath}`);
  for await (const result of Worker.runReplayHistories({ workflowBundle }, [{ workflowId, history }])) {
    return result.error;
  }
  throw new Error('replay produced no result');
}

beforeAll(async () => {
  installQuietRuntime();
  for (const { workflowsPath } of FIXTURES) {
    if (bundles.has(workflowsPath)) continue;
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: require.resolve(workflowsPath),
      logger: new DefaultLogger('WARN'),
    });
    bundles.set(workflowsPath, workflowBundle);
  }
}, 60_000);

it('keeps the histories of every release, the current one included', () => {
  const version = (JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string })
    .version;
  expect(RELEASES.map((r) => r.release)).toContain(version);
  for (const { histories } of RELEASES) expect(histories.length).toBeGreaterThanOrEqual(3);
});

it.each(FIXTURES)('replays $file without a determinism error', async ({ file, workflowsPath, workflowId }) => {
  const history = loadHistory(file);
  expect(history.events?.length).toBeGreaterThan(5);
  expect(await replay(workflowsPath, history, workflowId)).toBeUndefined();
});

it('fails replay of the pod workflow when a local activity it recorded is no longer called', async () => {
  const history = loadHistory(`${A_RELEASE}/pod-workflow.json`);
  const markers = history.events?.filter((event) => event.markerRecordedEventAttributes) ?? [];
  expect(markers.length).toBeGreaterThanOrEqual(4);
  // Drop the marker of the first local activity, as if the workflow no longer resolved the pod first.
  history.events = history.events?.filter((event) => event !== markers[0]);
  expect(await replay(PRODUCT, history, idOf(`${A_RELEASE}/pod-workflow.json`))).toBeDefined();
});

it('fails replay with a DeterminismViolationError when the code no longer matches the history', async () => {
  const { file, workflowsPath } = FIXTURES[0]!;
  const history = loadHistory(file);
  const scheduled = history.events?.find((event) => event.activityTaskScheduledEventAttributes);
  expect(scheduled?.activityTaskScheduledEventAttributes?.activityType?.name).toBe('greet');
  // As if the workflow had been changed to call another activity at that point.
  scheduled!.activityTaskScheduledEventAttributes!.activityType!.name = 'farewell';
  expect(await replay(workflowsPath, history, file)).toBeInstanceOf(DeterminismViolationError);
});
