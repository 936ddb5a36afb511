// The k6-operator manifest for loadtests/incident.ts: only fields of k6-operator's TestRun resource
// (k6.io/v1alpha1, testruns.k6.io), and exactly the environment the script reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

const MANIFEST = 'deploy/k6-operator/incident-testrun.yaml';

// The TestRun spec as k6-operator's CRD defines it (api/v1alpha1 TestRunSpec, K6Script, Pod), strict: a
// misspelt or invented field fails here instead of being dropped by the API server.
const envVar = z.strictObject({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), value: z.string() });
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
  assert.deepEqual(env.map((e) => e.name).sort(), scriptEnv());
  assert.doesNotMatch(
    env.find((e) => e.name === 'BASE_URL')!.value,
    /127\.0\.0\.1|localhost/,
    'aimed at the shop in the cluster',
  );
  // the rates are totals that k6 splits by execution segment: they must be whole numbers per the script
  for (const name of ['RATE', 'PRE_VUS', 'MAX_VUS'])
    assert.ok(Number.isFinite(Number(env.find((e) => e.name === name)!.value)));
  assert.match(
    readFileSync('README.md', 'utf8'),
    /deploy\/k6-operator\/incident-testrun\.yaml/,
    'the README walks through it',
  );
});
