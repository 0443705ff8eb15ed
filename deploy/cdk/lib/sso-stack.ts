// SSO on AWS: an Application Load Balancer with HTTPS in front of an Auto Scaling group of EC2
// instances running the SSO image, the MongoDB URI and master key from Secrets Manager, an S3
// bucket for backups and audit exports, least-privilege IAM, CloudWatch logs and alarms. Every
// cdk-nag suppression says why, next to what it is about.
import {
  Aws,
  CfnOutput,
  CfnParameter,
  type CfnElement,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';

const SSO_PORT = 3000;

// Acknowledges a cdk-nag finding on `scope`, with the reason it does not apply there.
function acknowledge(scope: Construct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

export class SsoStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);

    const certificateArn = new CfnParameter(this, 'CertificateArn', {
      description: 'ACM certificate for the SSO host name (HTTPS listener)',
      allowedPattern: '^arn:aws[a-z-]*:acm:.+$',
    });
    const issuer = new CfnParameter(this, 'Issuer', {
      description: 'The public issuer URL, e.g. https://sso.example.com',
      allowedPattern: '^https://.+$',
    });
    const image = new CfnParameter(this, 'Image', {
      description:
        'The SSO image to run, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/sso:1.0.0',
    });
    const mongoSecretName = new CfnParameter(this, 'MongoUriSecretName', {
      description: 'Secrets Manager secret holding the MongoDB URI (Atlas or DocumentDB)',
      default: 'sso/mongodb-uri',
    });
    const masterKeySecretName = new CfnParameter(this, 'MasterKeySecretName', {
      description: 'Secrets Manager secret holding the master key (sso keys master-key)',
      default: 'sso/master-key',
    });
    const alarmEmail = new CfnParameter(this, 'AlarmEmail', {
      description: 'Where alarms are mailed',
      allowedPattern: '^[^@\\s]+@[^@\\s]+$',
    });

    acknowledge(
      this,
      'CloudFormation-Validate::W2509',
      'MongoUriSecretName and MasterKeySecretName are names of Secrets Manager secrets, not secrets.',
    );

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });

    // Access logs of the bucket itself and of the load balancer.
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      accessLogs,
      'AwsSolutions-S1',
      'This is the access-log bucket; logging it into itself would loop.',
    );

    const backups = new s3.Bucket(this, 'Backups', {
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'backups-bucket/',
      lifecycleRules: [
        { prefix: 'backups/', noncurrentVersionExpiration: Duration.days(30) },
        {
          prefix: 'backups/',
          expiration: Duration.days(365),
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) },
          ],
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const logGroup = new logs.LogGroup(this, 'SsoLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The instances: only what they need, nothing more.
    const role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'SSO instances: read their two secrets, write logs, put and get backups',
    });
    const secretArn = (name: CfnParameter) =>
      `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${name.valueAsString}-??????`;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretArn(mongoSecretName), secretArn(masterKeySecretName)],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject'],
        resources: [backups.arnForObjects('backups/*')],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [backups.bucketArn],
        conditions: { StringLike: { 's3:prefix': ['backups/*'] } },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:log-stream:*`],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ecr:GetAuthorizationToken'],
        resources: ['*'],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        resources: [`arn:${Aws.PARTITION}:ecr:${Aws.REGION}:${Aws.ACCOUNT_ID}:repository/*`],
      }),
    );
    role.addManagedPolicy(
      iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
    );
    acknowledge(
      role,
      'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
      'AmazonSSMManagedInstanceCore gives operators Session Manager shells (no SSH, no open port); AWS maintains it.',
    );
    const logicalId = (construct: Construct) =>
      this.getLogicalId(construct.node.defaultChild as CfnElement);
    for (const [resource, reason] of [
      [
        '*',
        'ecr:GetAuthorizationToken has no resource-level permissions; it only yields a registry login.',
      ],
      [
        `<${logicalId(backups)}.Arn>/backups/*`,
        'Backups are objects under backups/ of the one backup bucket, named by time.',
      ],
      [
        `<${logicalId(logGroup)}.Arn>:log-stream:*`,
        "The log streams of SSO's one log group, one per container, named at run time.",
      ],
      [
        'arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/*',
        'The image may live in any repository of this account and region (the Image parameter); only pulls are allowed.',
      ],
    ]) {
      acknowledge(role, `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`, reason!);
    }
    const instanceSg = new ec2.SecurityGroup(this, 'InstanceSg', {
      vpc,
      description: 'SSO instances: the service port from the load balancer only',
      allowAllOutbound: true,
    });
    const albSg = new ec2.SecurityGroup(this, 'AlbSg', {
      vpc,
      description: 'SSO load balancer: HTTPS (and HTTP, redirected) from anywhere',
      allowAllOutbound: false,
    });
    albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from the internet');
    albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP, redirected to HTTPS');
    albSg.addEgressRule(instanceSg, ec2.Port.tcp(SSO_PORT), 'to the SSO instances');
    instanceSg.addIngressRule(albSg, ec2.Port.tcp(SSO_PORT), 'from the load balancer');
    acknowledge(
      albSg,
      'AwsSolutions-EC23',
      'A public identity provider: people and apps anywhere sign in through it (HTTPS; HTTP only redirects).',
    );

    const userData = ec2.UserData.forLinux();
    userData.addCommands(
      'set -euo pipefail',
      'dnf install -y docker',
      'systemctl enable --now docker',
      'REGION=$(TOKEN=$(curl -sX PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60"); curl -s -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/placement/region)',
      `IMAGE='${image.valueAsString}'`,
      'aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin "${IMAGE%%/*}" || true',
      'install -d -m 700 /run/sso',
      `aws secretsmanager get-secret-value --region "$REGION" --secret-id '${mongoSecretName.valueAsString}' --query SecretString --output text > /run/sso/mongodb-uri`,
      `aws secretsmanager get-secret-value --region "$REGION" --secret-id '${masterKeySecretName.valueAsString}' --query SecretString --output text > /run/sso/master-key`,
      'chmod 444 /run/sso/master-key',
      // The URI is read from the environment (MONGODB_URI); the key from a file.
      'printf "MONGODB_URI=%s\\n" "$(cat /run/sso/mongodb-uri)" > /run/sso/env && chmod 600 /run/sso/env && rm /run/sso/mongodb-uri',
      [
        'docker run -d --name sso --restart unless-stopped --read-only --tmpfs /tmp',
        `-p ${SSO_PORT}:3000 -p 127.0.0.1:9464:9464 --env-file /run/sso/env`,
        '-v /run/sso/master-key:/run/secrets/master-key:ro',
        '-e SSO_MASTER_KEY_FILE=/run/secrets/master-key',
        `-e SSO_ISSUER='${issuer.valueAsString}' -e SSO_TRUST_PROXY=true`,
        '-e SSO_METRICS_PORT=9464 -e SSO_SHUTDOWN_TIMEOUT=25s --stop-timeout 30',
        `--log-driver awslogs --log-opt awslogs-region="$REGION" --log-opt awslogs-group='${logGroup.logGroupName}'`,
        '"$IMAGE"',
      ].join(' '),
    );

    const launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T3, ec2.InstanceSize.SMALL),
      machineImage: ec2.MachineImage.latestAmazonLinux2023(),
      role,
      securityGroup: instanceSg,
      userData,
      requireImdsv2: true,
      blockDevices: [
        { deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(20, { encrypted: true }) },
      ],
    });

    const alarmTopic = new sns.Topic(this, 'Alarms', { enforceSSL: true });
    alarmTopic.addSubscription(new subscriptions.EmailSubscription(alarmEmail.valueAsString));

    const group = new autoscaling.AutoScalingGroup(this, 'Instances', {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate,
      minCapacity: 2,
      maxCapacity: 6,
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod: Duration.minutes(3),
      }),
      updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({
        minInstancesInService: 2,
        maxBatchSize: 1,
        pauseTime: Duration.minutes(5),
      }),
      notifications: [{ topic: alarmTopic }],
    });
    group.scaleOnCpuUtilization('Cpu', { targetUtilizationPercent: 60 });

    const alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc,
      internetFacing: true,
      securityGroup: albSg,
      dropInvalidHeaderFields: true,
    });
    alb.logAccessLogs(accessLogs, 'alb');
    const targets = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc,
      port: SSO_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [group],
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        // Readiness: the store answers and keys are loaded (the issuer is at the host's root).
        path: '/readyz',
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });
    alb.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [elbv2.ListenerCertificate.fromArn(certificateArn.valueAsString)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      defaultTargetGroups: [targets],
    });
    alb.addRedirect({ sourcePort: 80, targetPort: 443 });

    const alarm = (
      id: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      description: string,
    ) =>
      new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      }).addAlarmAction(new actions.SnsAction(alarmTopic));
    alarm(
      'TargetErrors',
      targets.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
        period: Duration.minutes(1),
      }),
      10,
      'SSO answers 5xx (store unavailable, errors): check /readyz and the logs',
    );
    alarm(
      'UnhealthyTargets',
      targets.metrics.unhealthyHostCount({ period: Duration.minutes(1) }),
      1,
      'An SSO instance fails /readyz (its store is unreachable, or it has no signing key)',
    );
    alarm(
      'SlowAnswers',
      targets.metrics.targetResponseTime({ period: Duration.minutes(1), statistic: 'p99' }),
      2,
      'p99 latency above 2 s',
    );

    new CfnOutput(this, 'LoadBalancerDns', { value: alb.loadBalancerDnsName });
    new CfnOutput(this, 'BackupBucket', { value: backups.bucketName });
    new CfnOutput(this, 'LogGroup', { value: logGroup.logGroupName });
  }
}
