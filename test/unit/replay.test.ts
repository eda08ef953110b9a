/**
 * Replay of recorded workflow histories (test/fixtures/histories/*.json) against today's workflow
 * code, without a server: a code change that would break running workflows fails here. Fix such
 * a change with `patched()` or a new workflow type, never by re-recording the history.
 * Loading the JSON fixtures also guards the protobufjs de-duplication (temporal-notes §0).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { installQuietRuntime } from '../support/temporal';

type History = temporal.api.history.v1.IHistory;

const PRODUCT = '../../workflows';
const recordedIds = JSON.parse(
  readFileSync(join(__dirname, '../fixtures/histories/workflow-ids.json'), 'utf8'),
) as Record<string, string>;

/**
 * Each recorded history, the workflow module it replays against, and the id it ran under (the pod
 * workflow reads its own id). The product's histories are recorded by test/integration/pod-workflow
 * with `RECORD_HISTORIES=1`: a pod configured and deleted, its PKey's flush, its pool shard.
 */
const FIXTURES = [
  { file: 'smoke-workflow.json', workflowsPath: '../integration/fixtures/smoke-workflows', workflowId: 'smoke' },
  ...['pod-workflow.json', 'pkey-flush-workflow.json', 'guid-pool-shard-workflow.json'].map((file) => ({
    file,
    workflowsPath: PRODUCT,
    workflowId: recordedIds[file] ?? file,
  })),
];

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

it.each(FIXTURES)('replays $file without a determinism error', async ({ file, workflowsPath, workflowId }) => {
  const history = loadHistory(file);
  expect(history.events?.length).toBeGreaterThan(5);
  expect(await replay(workflowsPath, history, workflowId)).toBeUndefined();
});

it('fails replay of the pod workflow when a local activity it recorded is no longer called', async () => {
  const history = loadHistory('pod-workflow.json');
  const markers = history.events?.filter((event) => event.markerRecordedEventAttributes) ?? [];
  expect(markers.length).toBeGreaterThanOrEqual(4);
  // Drop the marker of the first local activity, as if the workflow no longer resolved the pod first.
  history.events = history.events?.filter((event) => event !== markers[0]);
  expect(await replay(PRODUCT, history, recordedIds['pod-workflow.json']!)).toBeDefined();
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
