// `node bin/sso.ts` (or `npx aws-cdk synth`): synthesizes the SSO stack offline into cdk.out (or
// CDK_OUTDIR) with cdk-nag's AWS Solutions checks as a validation plugin.
import { App, Validations } from 'aws-cdk-lib';
import cdkNag from 'cdk-nag';
import { SsoStack } from '../lib/sso-stack.ts';

const app = new App({
  ...(process.env.CDK_OUTDIR ? { outdir: process.env.CDK_OUTDIR } : {}),
  // Access logs are delivered under a bucket policy, not the legacy ACLs.
  context: { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true },
});
// ALB access logging needs the region at synthesis (the ELB account that writes the logs).
new SsoStack(app, 'Sso', {
  description: 'SSO: OpenID Connect provider on EC2 behind an ALB',
  env: { region: process.env.CDK_DEFAULT_REGION ?? 'eu-west-1' },
});
Validations.of(app).addPlugins(new cdkNag.AwsSolutionsChecks(app));
// A finding cdk-nag reports that is not acknowledged fails synthesis (ValidationFailed, exit 1).
app.synth();
