/** Every workflow the worker registers (the bundle's entry point). */
export { podWorkflow } from './pod-workflow';
export { pkeyFlushWorkflow } from './pkey-flush-workflow';
export { guidPoolShardWorkflow } from './guid-pool-shard-workflow';
export { reconcileWorkflow } from './reconcile-workflow';
