// The k6-operator manifests for loadtests/incident.ts: only fields of k6-operator's TestRun resource
// (k6.io/v1alpha1, testruns.k6.io), exactly the environment the script reads, each pod's JSON output on a shared
// volume, and the Job that merges those outputs into one verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { COMMANDS } from '../harness/cli/commands.ts';

const MANIFEST = 'deploy/k6-operator/incident-testrun.yaml';
const PVC = 'deploy/k6-operator/incident-results-pvc.yaml';
const MERGE_JOB = 'deploy/k6-operator/incident-merge-job.yaml';

// The TestRun spec as k6-operator's CRD defines it (api/v1alpha1 TestRunSpec, K6Script, Pod), strict: a
// misspelt or invented field fails here instead of being dropped by the API server.
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);
const envVar = z.union([
  z.strictObject({ name: envName, value: z.string() }),
  z.strictObject({
    name: envName,
    valueFrom: z.strictObject({ fieldRef: z.strictObject({ fieldPath: z.string() }) }),
  }),
]);
const volume = z.strictObject({
  name: z.string(),
  persistentVolumeClaim: z.strictObject({ claimName: z.string(), readOnly: z.boolean().optional() }).optional(),
  configMap: z.strictObject({ name: z.string() }).optional(),
});
const volumeMount = z.strictObject({ name: z.string(), mountPath: z.string(), readOnly: z.boolean().optional() });
const quantity = z.union([z.string(), z.number()]);
const resources = z.strictObject({
  requests: z.record(z.string(), quantity).optional(),
  limits: z.record(z.string(), quantity).optional(),
});
const pod = z.strictObject({
  env: z.array(envVar).optional(),
  image: z.string().optional(),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  resources: resources.optional(),
  nodeSelector: z.record(z.string(), z.string()).optional(),
  serviceAccountName: z.string().optional(),
  securityContext: z.strictObject({ fsGroup: z.number().int().optional() }).optional(),
  volumes: z.array(volume).optional(),
  volumeMounts: z.array(volumeMount).optional(),
  metadata: z
    .strictObject({
      annotations: z.record(z.string(), z.string()).optional(),
      labels: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
});
const script = z
  .strictObject({
    configMap: z.strictObject({ name: z.string().min(1), file: z.string().optional() }).optional(),
    volumeClaim: z
      .strictObject({ name: z.string().min(1), file: z.string().optional(), readOnly: z.boolean().optional() })
      .optional(),
    localFile: z.string().optional(),
  })
  .refine(
    (s) => [s.configMap, s.volumeClaim, s.localFile].filter(Boolean).length === 1,
    'one of configMap, volumeClaim, localFile',
  );
const testRun = z.strictObject({
  apiVersion: z.literal('k6.io/v1alpha1'),
  kind: z.literal('TestRun'),
  metadata: z.strictObject({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
    namespace: z.string().optional(),
  }),
  spec: z.strictObject({
    script,
    parallelism: z
      .number()
      .int()
      .min(1)
      .max(2 ** 31 - 1),
    separate: z.boolean().optional(),
    arguments: z.string().optional(),
    initializer: pod.optional(),
    starter: pod.optional(),
    runner: pod.optional(),
    quiet: z.enum(['true', 'false']).optional(),
    paused: z.enum(['true', 'false']).optional(),
    cleanup: z.literal('post').optional(),
  }),
});

/** Every __ENV name loadtests/incident.ts and its lib read. */
function scriptEnv(): string[] {
  const files = [
    'loadtests/incident.ts',
    'loadtests/lib/config.ts',
    'loadtests/lib/journey.ts',
    'loadtests/lib/random.ts',
  ];
  const names = new Set<string>();
  for (const f of files)
    for (const m of readFileSync(f, 'utf8').matchAll(/__ENV\.([A-Z0-9_]+)|num\('([A-Z0-9_]+)'/g))
      names.add(m[1] ?? m[2]);
  return [...names].sort();
}

test('the k6-operator TestRun for the incident script has only TestRun fields and sets every variable the script reads', () => {
  const manifest = testRun.parse(parse(readFileSync(MANIFEST, 'utf8')));
  assert.ok(manifest.spec.parallelism > 1, 'split over several instances');
  assert.ok(
    manifest.spec.script.configMap?.file?.endsWith('.tar'),
    'a k6 archive: the script and its lib/ imports in one ConfigMap key',
  );
  const env = manifest.spec.runner?.env ?? [];
  const value = (name: string): string => {
    const e = env.find((x) => x.name === name);
    assert.ok(e && 'value' in e, `${name} has a value`);
    return e.value;
  };
  const podVars = ['POD_NAME', 'K6_OUT'];
  assert.deepEqual(
    env
      .map((e) => e.name)
      .filter((n) => !podVars.includes(n))
      .sort(),
    scriptEnv(),
  );
  assert.doesNotMatch(value('BASE_URL'), /127\.0\.0\.1|localhost/, 'aimed at the shop in the cluster');
  // the rates are totals that k6 splits by execution segment: they must be whole numbers per the script
  for (const name of ['RATE', 'PRE_VUS', 'MAX_VUS']) assert.ok(Number.isFinite(Number(value(name))));
  assert.match(
    readFileSync('README.md', 'utf8'),
    /deploy\/k6-operator\/incident-testrun\.yaml/,
    'the README walks through it',
  );
});

test("each pod's JSON output goes to a shared volume, and the merge Job judges them over the whole", () => {
  const manifest = testRun.parse(parse(readFileSync(MANIFEST, 'utf8')));
  const runner = manifest.spec.runner!;
  const env = runner.env ?? [];
  // one file per pod: K6_OUT names it after the pod (Kubernetes expands $(POD_NAME) from the variable before it)
  const podName = env.findIndex((e) => e.name === 'POD_NAME');
  const out = env.findIndex((e) => e.name === 'K6_OUT');
  assert.ok(podName >= 0 && out > podName, 'POD_NAME is set before K6_OUT uses it');
  assert.deepEqual((env[podName] as { valueFrom: unknown }).valueFrom, { fieldRef: { fieldPath: 'metadata.name' } });
  const outValue = (env[out] as { value: string }).value;
  const m = /^json=(\/[^$]+)\/\$\(POD_NAME\)\.json\.gz$/.exec(outValue);
  assert.ok(m, `K6_OUT is json=DIR/$(POD_NAME).json.gz: ${outValue}`);
  const mount = runner.volumeMounts?.find((v) => v.mountPath === m[1]);
  assert.ok(mount, `the runner mounts ${m[1]}`);
  const claim = runner.volumes?.find((v) => v.name === mount.name)?.persistentVolumeClaim?.claimName;
  assert.ok(claim, 'a persistent volume claim');

  const pvc = parse(readFileSync(PVC, 'utf8'));
  assert.equal(pvc.kind, 'PersistentVolumeClaim');
  assert.equal(pvc.metadata.name, claim);
  // the pods run on separate nodes: the volume must take writers on several nodes
  assert.equal(manifest.spec.separate, true);
  assert.deepEqual(pvc.spec.accessModes, ['ReadWriteMany']);

  const job = parse(readFileSync(MERGE_JOB, 'utf8'));
  assert.equal(job.apiVersion, 'batch/v1');
  assert.equal(job.kind, 'Job');
  const spec = job.spec.template.spec;
  const container = spec.containers[0];
  const jobClaim = spec.volumes.find((v: { persistentVolumeClaim?: { claimName: string } }) => v.persistentVolumeClaim);
  assert.equal(jobClaim.persistentVolumeClaim.claimName, claim, 'the Job reads the volume the pods wrote');
  const jobMount = container.volumeMounts.find((v: { name: string }) => v.name === jobClaim.name).mountPath;
  const command = container.command.join(' ');
  assert.match(command, /loadlab merge --script "?\$\(npm root --global\)\/loadlab\/loadtests\/incident\.ts/);
  assert.ok(command.includes(`${jobMount}/*.json.gz`), `merges every pod's file: ${command}`);
  assert.match(command, /--out \S+/);
  // `loadlab merge` is the load:merge command
  assert.equal(COMMANDS.find((c) => c.name === 'merge')?.npm, 'load:merge');
  // the thresholds read these: the Job must judge with the values the pods ran with
  for (const name of ['P95_MS', 'MAX_ERROR_RATE']) {
    const jobValue = container.env.find((e: { name: string }) => e.name === name)?.value;
    assert.equal(jobValue, (env.find((e) => e.name === name) as { value: string }).value, name);
  }
  assert.match(readFileSync('README.md', 'utf8'), /incident-merge-job\.yaml/, 'the README walks through the merge');
});
