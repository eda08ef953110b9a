/**
 * The container image without a container engine: deployment/Dockerfile is read instruction by
 * instruction and its file system is assembled in a scratch directory the way the engine would
 * (the dependency stage's `npm ci --omit=dev` run for real, every COPY done from the build context
 * or that stage). From that tree, the image's entry commands start with exactly the environment the
 * plain manifests give the containers (ConfigMap and Secret values read from the YAML; only what
 * differs on this machine overridden: where Temporal, UFM and the apiserver are) and configure a pod
 * end to end. A missing or invalid ConfigMap value makes each process exit non-zero, naming the
 * key and never printing the UFM password.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEndToEnd, type EndToEnd } from '../support/e2e';
import { PLAIN_FILES, containerEnv, containerOf, find, loadManifests, type Manifest } from '../support/manifests';
import { REPO_ROOT, freePort, killAll, startProcess, waitReady, type ProcessRun } from '../support/processes';
import { waitFor } from '../support/wait';

jest.setTimeout(180_000);

interface Instruction {
  readonly op: string;
  readonly rest: string;
}
interface Stage {
  readonly from: string;
  readonly name?: string;
  readonly instructions: Instruction[];
}

/** The stages of a Dockerfile, `ARG` defaults before the first FROM substituted into FROM lines. */
function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line)!;
    if (op === 'ARG' && stages.length === 0) {
      const [name, value = ''] = rest.split('=');
      args[name!] = value;
    } else if (op === 'FROM') {
      const [image, , name] = rest.replace(/\$\{(\w+)\}/g, (_, arg: string) => args[arg] ?? '').split(/\s+/);
      stages.push({ from: image!, name, instructions: [] });
    } else {
      stages.at(-1)!.instructions.push({ op, rest });
    }
  }
  return stages;
}

const dockerfile = parseDockerfile(readFileSync(path.join(REPO_ROOT, 'deployment/Dockerfile'), 'utf8'));
const runtime = dockerfile.at(-1)!;
const copies = (stage: Stage) =>
  stage.instructions
    .filter((i) => i.op === 'COPY')
    .map((i) => {
      const words = i.rest.split(/\s+/);
      const from = words[0]!.startsWith('--from=') ? words.shift()!.slice('--from='.length) : undefined;
      return { from, sources: words.slice(0, -1), dest: words.at(-1)! };
    });
const jsonArray = (stage: Stage, op: string): string[] =>
  JSON.parse(stage.instructions.findLast((i) => i.op === op)?.rest ?? '[]') as string[];
const workdir = (stage: Stage) => stage.instructions.findLast((i) => i.op === 'WORKDIR')!.rest;

describe('the Dockerfile', () => {
  it('builds on a pinned Node 24 base, the Node version the project runs on', () => {
    const nodeVersion = /^NODE_VERSION=(\S+)$/m.exec(readFileSync(path.join(REPO_ROOT, 'hack/lib.sh'), 'utf8'))![1];
    expect(nodeVersion).toMatch(/^24\.\d+\.\d+$/);
    for (const stage of dockerfile) expect(stage.from).toMatch(new RegExp(`^node:${nodeVersion}-`));
    expect(dockerfile.length).toBeGreaterThanOrEqual(2);
  });

  it('runs as the non-root user the manifests name, with node as the entry point', () => {
    expect(runtime.instructions.findLast((i) => i.op === 'USER')!.rest).toBe('1000:1000');
    for (const name of ['ib-kubernetes-watcher', 'ib-kubernetes-worker']) {
      const deployment = find(loadManifests('ib-kubernetes.yaml'), 'Deployment', name) as {
        spec: { template: { spec: { securityContext: { runAsUser: number; runAsNonRoot: boolean } } } };
      };
      expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsUser: 1000, runAsNonRoot: true });
    }
    expect(jsonArray(runtime, 'ENTRYPOINT')).toEqual(['node']);
  });

  it('copies from the build context only package files and paths that exist after make build', () => {
    const fromContext = dockerfile.flatMap((stage) => copies(stage).filter((c) => c.from === undefined));
    const sources = fromContext.flatMap((c) => c.sources);
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'build/workers']));
    const ignore = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8');
    for (const source of sources) {
      expect(source).toMatch(/^(package(-lock)?\.json|build\/[a-z-]+)$/);
      expect(existsSync(path.join(REPO_ROOT, source))).toBe(true);
      // .dockerignore excludes everything, then lets these back in: the context carries nothing else.
      expect(ignore.split('\n')).toContain(`!${source}`);
    }
    // Tests, benchmarks, the demo and the simulator stay out of the image.
    for (const left of ['build/test', 'build/bench', 'build/demo', 'build/ufm-simulator']) {
      expect(sources).not.toContain(left);
    }
  });
});

describe('the image tree', () => {
  let image: string;
  let e: EndToEnd;
  const manifests: Manifest[] = loadManifests(...PLAIN_FILES);

  beforeAll(async () => {
    image = mkdtempSync(path.join(tmpdir(), 'ib-image-'));
    assemble(image);
    e = await startEndToEnd();
  }, 180_000);
  afterAll(async () => {
    await killAll();
    await e?.close();
    rmSync(image, { recursive: true, force: true });
  }, 60_000);

  /** Builds the runtime stage's file system under `root`, running the dependency stage for real. */
  function assemble(root: string): void {
    const stages = new Map(dockerfile.map((stage) => [stage.name, stage]));
    const built = new Map<string, string>();
    for (const stage of dockerfile.slice(0, -1)) {
      const dir = path.join(root, `.stage-${stage.name}`);
      mkdirSync(dir);
      for (const copy of copies(stage)) {
        for (const source of copy.sources) cpSync(path.join(REPO_ROOT, source), path.join(dir, source));
      }
      for (const run of stage.instructions.filter((i) => i.op === 'RUN')) {
        // Its `npm ci`; the cache clean after it only shrinks the layer (and would empty this machine's cache).
        const install = run.rest.split('&&')[0]!.trim();
        expect(install).toMatch(/^npm ci --omit=dev\b/);
        execFileSync('npm', [...install.split(/\s+/).slice(1), '--prefer-offline'], { cwd: dir, stdio: 'ignore' });
      }
      built.set(stage.name!, dir);
    }
    for (const copy of copies(runtime)) {
      for (const source of copy.sources) {
        const target = path.join(root, copy.dest.endsWith('/') ? path.basename(source) : copy.dest);
        if (copy.from === undefined) {
          cpSync(path.join(REPO_ROOT, source), target, { recursive: true });
        } else {
          expect(stages.has(copy.from)).toBe(true);
          const stageRoot = built.get(copy.from)!;
          renameSync(path.join(stageRoot, path.relative(workdir(stages.get(copy.from)!), source)), target);
        }
      }
    }
    for (const dir of built.values()) rmSync(dir, { recursive: true, force: true });
  }

  it('holds production dependencies only', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const dependency of Object.keys(pkg.dependencies)) {
      expect(existsSync(path.join(image, 'node_modules', dependency))).toBe(true);
    }
    for (const dependency of ['jest', 'typescript', 'eslint', 'prettier', '@swc/jest']) {
      expect(dependency in pkg.devDependencies).toBe(true);
      expect(existsSync(path.join(image, 'node_modules', dependency))).toBe(false);
    }
    expect(existsSync(path.join(image, 'build/test'))).toBe(false);
    expect(existsSync(path.join(image, 'domain'))).toBe(false);
  });

  /** The environment a Deployment's container gets, with this machine's addresses in place of the cluster's. */
  async function environmentOf(deployment: string, overrides: Record<string, string> = {}) {
    const healthPort = await freePort();
    const fromManifests = containerEnv(manifests, find(manifests, 'Deployment', deployment), {
      name: `${deployment}-0`,
      namespace: e.namespace,
    });
    const here: Record<string, string> = {
      TEMPORAL_ADDRESS: e.processEnv.TEMPORAL_ADDRESS!,
      TEMPORAL_TASK_QUEUE: e.processEnv.TEMPORAL_TASK_QUEUE!,
      ...(e.processEnv.TEMPORAL_NAMESPACE && { TEMPORAL_NAMESPACE: e.processEnv.TEMPORAL_NAMESPACE }),
      KUBECONFIG: e.processEnv.KUBECONFIG!,
      HEALTH_PORT: String(healthPort),
      // Only this test's pods: the stack is shared with the other suites.
      WATCH_NAMESPACES: e.namespace,
    };
    if (deployment.endsWith('worker')) {
      Object.assign(here, {
        UFM_ADDRESS: e.processEnv.UFM_ADDRESS,
        UFM_PORT: e.processEnv.UFM_PORT,
        UFM_PASSWORD: e.processEnv.UFM_PASSWORD,
        UFM_CERTIFICATE: e.processEnv.UFM_CERTIFICATE,
        METRICS_SDK_PORT: String(await freePort()),
      });
    }
    return { env: { ...fromManifests, ...here, ...overrides }, healthPort, fromManifests };
  }

  /** `node <args>` in the image tree, as the container runs it. */
  const run = (deployment: string, env: Record<string, string>): ProcessRun => {
    const args = containerOf(find(manifests, 'Deployment', deployment)).args ?? jsonArray(runtime, 'CMD');
    return startProcess({ cwd: image, args }, env, deployment);
  };

  it("starts both entry commands with the manifests' environment, and they configure and release a pod", async () => {
    const worker = await environmentOf('ib-kubernetes-worker');
    const watcher = await environmentOf('ib-kubernetes-watcher');
    // What the manifests say reaches the processes: the pool range, the batching period, the plugin.
    expect(worker.fromManifests).toMatchObject({
      DAEMON_SM_PLUGIN: 'ufm',
      DAEMON_PERIODIC_UPDATE: '5',
      GUID_POOL_RANGE_START: '02:00:00:00:00:00:00:00',
      UFM_USERNAME: 'admin',
    });
    expect(watcher.fromManifests).toMatchObject({ LEASE_NAME: 'ib-kubernetes-leader', POD_NAMESPACE: e.namespace });
    const processes = [run('ib-kubernetes-worker', worker.env), run('ib-kubernetes-watcher', watcher.env)];
    await waitReady(processes[0]!, worker.healthPort);
    await waitReady(processes[1]!, watcher.healthPort);
    // The default CMD is the worker.
    expect(jsonArray(runtime, 'CMD')).toEqual(containerOf(find(manifests, 'Deployment', 'ib-kubernetes-worker')).args);

    await e.createNad('ib', e.pkeys[0]);
    const created = await e.createPod('from-image', 'ib');
    // DAEMON_PERIODIC_UPDATE is 5 s in the manifests: a lone pod's PKey add may wait that long.
    const guid = await e.configuredGuid('from-image', 60_000);
    expect(guid.startsWith('02:')).toBe(true);
    expect(e.sim.members(e.pkeys[0])).toContain(guid.replaceAll(':', '').toLowerCase());
    await e.removePod('from-image');
    await waitFor('released', () => e.result(created.uid), { timeoutMs: 60_000 });
    expect(e.sim.members(e.pkeys[0])).not.toContain(guid.replaceAll(':', '').toLowerCase());

    for (const process of processes) process.child.kill('SIGTERM');
    const results = await Promise.all(processes.map((p) => waitFor(`${p.name} to stop`, () => p.result)));
    expect(results.map((r) => r.code)).toEqual([0, 0]);
  });

  const PASSWORD = 'Pa55-w0rd-that-must-not-leak';
  it.each([
    ['ib-kubernetes-worker', 'GUID_POOL_RANGE_START', '02:00:00:00:00:00:00'],
    ['ib-kubernetes-worker', 'DAEMON_SM_PLUGIN', undefined],
    ['ib-kubernetes-worker', 'DAEMON_PERIODIC_UPDATE', 'soon'],
    ['ib-kubernetes-worker', 'GUID_POOL_RANGE_END', '01:00:00:00:00:00:00:00'],
    ['ib-kubernetes-worker', 'UFM_ADDRESS', 'https://ufm.example.com/'],
    ['ib-kubernetes-worker', 'UFM_PASSWORD', `${PASSWORD}\n`],
    ['ib-kubernetes-worker', 'TEMPORAL_TASK_QUEUE', "it's"],
    ['ib-kubernetes-watcher', 'TEMPORAL_ADDRESS', 'temporal.example.com'],
    ['ib-kubernetes-watcher', 'TEMPORAL_TASK_QUEUE', 'a"b'],
  ])('%s exits non-zero when %s is %j, naming it and not the password', async (deployment, name, value) => {
    const { env } = await environmentOf(deployment, { UFM_PASSWORD: PASSWORD });
    if (value === undefined) delete env[name];
    else env[name] = value;
    const process = run(deployment, env);
    const result = await waitFor(`${deployment} to exit`, () => process.result, { timeoutMs: 30_000 });
    const output = process.output.stdout + process.output.stderr;
    expect(result.code).not.toBe(0);
    expect(output).toContain(name);
    expect(output).not.toContain(PASSWORD);
  });
});
