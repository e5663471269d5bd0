/** IAM policy documents: the workers' role (least privilege on the bucket) and what the server needs. */

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** Lets EC2 instances take the role (through an instance profile). */
export const ec2TrustPolicy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

/**
 * Workers read the bundles under `srv/` and read/write output files elsewhere in the bucket;
 * they cannot change `srv/`, so one compromised worker cannot poison the next ones' bootstrap.
 */
export function workerBucketPolicy(bucket: string, region: string) {
  const arn = `arn:${partitionOf(region)}:s3:::${bucket}`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ListTheBucket', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: arn },
      { Sid: 'ReadFiles', Effect: 'Allow', Action: ['s3:GetObject'], Resource: `${arn}/*` },
      { Sid: 'WriteOutputs', Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], Resource: `${arn}/*` },
      { Sid: 'KeepBootstrapReadOnly', Effect: 'Deny', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: `${arn}/srv/*` },
    ],
  };
}

/** What the Coalition server's own identity needs to run the farm (shown to the user to attach). */
export function serverPolicy(opts: { region: string; accountId: string; farmId: string; workerRoleArn: string }) {
  const p = partitionOf(opts.region);
  const account = opts.accountId || '*';
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'SeeInstancesAndPrices', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'ec2:DescribeSpotPriceHistory', 'pricing:GetProducts'], Resource: '*' },
      { Sid: 'LaunchWorkers', Effect: 'Allow', Action: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'], Resource: '*' },
      {
        Sid: 'TagAtLaunch', Effect: 'Allow', Action: 'ec2:CreateTags', Resource: '*',
        Condition: { StringEquals: { 'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'] } },
      },
      {
        Sid: 'CleanUpOwnLaunchTemplates', Effect: 'Allow', Action: 'ec2:DeleteLaunchTemplate',
        Resource: `arn:${p}:ec2:${opts.region}:${account}:launch-template/*`,
        Condition: { StringEquals: { 'aws:ResourceTag/coalition:farm': opts.farmId } },
      },
      {
        Sid: 'TerminateOwnWorkersOnly', Effect: 'Allow', Action: 'ec2:TerminateInstances',
        Resource: `arn:${p}:ec2:${opts.region}:${account}:instance/*`,
        Condition: { StringEquals: { 'aws:ResourceTag/coalition:farm': opts.farmId } },
      },
      {
        Sid: 'PassWorkerRole', Effect: 'Allow', Action: 'iam:PassRole', Resource: opts.workerRoleArn,
        Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      },
      {
        Sid: 'SpotServiceLinkedRoles', Effect: 'Allow', Action: 'iam:CreateServiceLinkedRole', Resource: '*',
        Condition: { StringEquals: { 'iam:AWSServiceName': ['spot.amazonaws.com', 'ec2fleet.amazonaws.com'] } },
      },
    ],
  };
}
