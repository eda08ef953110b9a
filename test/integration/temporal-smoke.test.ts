/**
 * Proves the local Temporal dev server is real and configured: a workflow runs an activity,
 * takes an update (with its validator) and a signal, and sets a custom search attribute
 * that a visibility query finds.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import * as activities from './fixtures/smoke-activities';
import { addUpdate, finishSignal, smokeWorkflow } from './fixtures/smoke-workflows';
import { connectTemporal, type TemporalTestContext } from '../support/temporal';
import { SEARCH_ATTRIBUTES } from '../../workflows/definitions';
import { uniqueName } from '../support/stack';
import { waitFor } from '../support/wait';

let temporal: TemporalTestContext;
let workflowBundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  temporal = await connectTemporal();
  workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./fixtures/smoke-workflows'),
    logger: new DefaultLogger('WARN'),
  });
}, 60_000);

afterAll(async () => {
  await temporal?.close();
});

it('runs a workflow with an activity, an update, a signal and a searchable attribute', async () => {
  const taskQueue = uniqueName('it-smoke');
  const workflowId = uniqueName('smoke');
  const worker = await Worker.create({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue,
    workflowBundle,
    activities,
  });
  const result = await worker.runUntil(async () => {
    const handle = await temporal.client.workflow.start(smokeWorkflow, { taskQueue, workflowId, args: ['ib'] });
    expect(await handle.executeUpdate(addUpdate, { args: [2] })).toBe(2);
    expect(await handle.executeUpdate(addUpdate, { args: [3] })).toBe(5);
    await expect(handle.executeUpdate(addUpdate, { args: [-1] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);

    const query = `IbStage = 'smoke-waiting' AND WorkflowId = '${workflowId}'`;
    await waitFor(
      'the search attribute to be visible',
      async () => (await temporal.client.workflow.count(query)).count === 1,
    );

    await handle.signal(finishSignal, 'the test');
    return handle.result();
  });
  expect(result).toBe('hello ib; total=5; finished by the test');
}, 60_000);

it('has every custom search attribute of workflows/definitions.ts registered, with its type', async () => {
  const { customAttributes } = await temporal.connection.operatorService.listSearchAttributes({
    namespace: temporal.namespace,
  });
  // temporal.api.enums.v1.IndexedValueType: KEYWORD = 2, KEYWORD_LIST = 7.
  const indexedValueType: Record<string, number> = { KEYWORD: 2, KEYWORD_LIST: 7 };
  for (const key of SEARCH_ATTRIBUTES) {
    expect([key.name, customAttributes?.[key.name]]).toEqual([key.name, indexedValueType[key.type]]);
  }
});
