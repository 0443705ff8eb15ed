// The AWS CDK app synthesized offline, as CI does before a deploy: cdk-nag's AWS Solutions checks
// pass (every acknowledgment carries its reason in the code), cfn-lint accepts the template, and
// the template has what an operator would look for: HTTPS with the given certificate, health checks
// on /readyz, secrets from Secrets Manager only, a locked-down backup bucket, least-privilege IAM,
// logs and alarms.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CFN_LINT = join(ROOT, 'test/tools/.venv/bin/cfn-lint');

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}

describe('the CDK app (deploy/cdk)', () => {
  let out: string;
  let template: { Parameters: Record<string, unknown>; Resources: Record<string, Resource> };
  let synth: { stdout: string; stderr: string };
  const ofType = (type: string) =>
    Object.values(template.Resources).filter((resource) => resource.Type === type);

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'sso-cdk-'));
    synth = await run(process.execPath, ['bin/sso.ts'], {
      cwd: join(ROOT, 'deploy/cdk'),
      env: { PATH: process.env.PATH, CDK_OUTDIR: out },
    });
    template = JSON.parse(readFileSync(join(out, 'Sso.template.json'), 'utf8')) as typeof template;
  }, 120_000);
  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
  });

  test('synthesizes with no cdk-nag AwsSolutions finding left unacknowledged', () => {
    expect(synth.stderr).not.toMatch(/ERROR|WARNING/);
    const source = readFileSync(join(ROOT, 'deploy/cdk/lib/sso-stack.ts'), 'utf8');
    // Each acknowledgment is made with a reason of some substance.
    const reasons = [...source.matchAll(/acknowledge\(\s*\w+,\s*[^,]+,\s*'([^']*)'/g)].map(
      (m) => m[1]!,
    );
    expect(reasons.length).toBeGreaterThanOrEqual(4);
    for (const reason of reasons) expect(reason.length).toBeGreaterThan(40);
  });

  test('passes cfn-lint', async () => {
    const lint = await run(CFN_LINT, [join(out, 'Sso.template.json')]).then(
      (result) => ({ code: 0, ...result }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(lint).toMatchObject({ code: 0, stdout: '' });
  }, 120_000);

  test('HTTPS with the certificate parameter, HTTP redirected, health checks on /readyz', () => {
    expect(Object.keys(template.Parameters)).toEqual(
      expect.arrayContaining([
        'CertificateArn',
        'Issuer',
        'Image',
        'MongoUriSecretName',
        'MasterKeySecretName',
      ]),
    );
    const listeners = ofType('AWS::ElasticLoadBalancingV2::Listener').map((l) => l.Properties);
    expect(listeners).toContainEqual(
      expect.objectContaining({
        Port: 443,
        Protocol: 'HTTPS',
        Certificates: [{ CertificateArn: { Ref: 'CertificateArn' } }],
      }),
    );
    const http = listeners.find((listener) => listener.Port === 80)!;
    expect(JSON.stringify(http.DefaultActions)).toContain('"Protocol":"HTTPS"');
    const [targets] = ofType('AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(targets!.Properties).toMatchObject({
      HealthCheckPath: '/readyz',
      Matcher: { HttpCode: '200' },
    });
  });

  test('the backup bucket: versioned, encrypted, no public access, TLS only, lifecycle rules', () => {
    const buckets = ofType('AWS::S3::Bucket').map((bucket) => bucket.Properties);
    const backups = buckets.find((bucket) => bucket.VersioningConfiguration)!;
    expect(backups.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(JSON.stringify(backups.BucketEncryption)).toContain('AES256');
    expect(backups.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect((backups.LifecycleConfiguration as { Rules: unknown[] }).Rules.length).toBeGreaterThan(
      0,
    );
    const policies = ofType('AWS::S3::BucketPolicy').map((policy) =>
      JSON.stringify(policy.Properties),
    );
    expect(policies.every((policy) => policy.includes('"aws:SecureTransport":"false"'))).toBe(true);
  });

  test('least privilege: the secrets by name, backups under backups/, no action wildcards', () => {
    const statements = ofType('AWS::IAM::Policy').flatMap(
      (policy) =>
        (
          policy.Properties.PolicyDocument as {
            Statement: { Action: string | string[]; Resource: unknown }[];
          }
        ).Statement,
    );
    for (const statement of statements) {
      for (const action of [statement.Action].flat()) expect(action).not.toMatch(/\*/);
    }
    const secrets = statements.find(
      (statement) => statement.Action === 'secretsmanager:GetSecretValue',
    )!;
    expect(JSON.stringify(secrets.Resource)).toContain('MongoUriSecretName');
    expect(JSON.stringify(secrets.Resource)).toContain('MasterKeySecretName');
    const objects = statements.find((statement) =>
      JSON.stringify(statement.Action).includes('s3:PutObject'),
    )!;
    expect(JSON.stringify(objects.Resource)).toContain('/backups/*');
    // The secrets reach the instances at boot from Secrets Manager, never through the template.
    const launch = JSON.stringify(ofType('AWS::EC2::LaunchTemplate'));
    expect(launch).toContain('secretsmanager get-secret-value');
    expect(launch).not.toMatch(/mongodb(\+srv)?:\/\//);
  });

  test('logs and alarms', () => {
    expect(ofType('AWS::Logs::LogGroup').length).toBeGreaterThan(0);
    const alarms = ofType('AWS::CloudWatch::Alarm').map((alarm) => alarm.Properties);
    expect(alarms.map((alarm) => alarm.MetricName).sort()).toEqual(
      expect.arrayContaining([
        'HTTPCode_Target_5XX_Count',
        'TargetResponseTime',
        'UnHealthyHostCount',
      ]),
    );
    for (const alarm of alarms) expect(alarm.AlarmActions).toBeDefined();
  });
});
