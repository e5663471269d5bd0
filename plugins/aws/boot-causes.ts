import type { BootFailureCause } from '../../core/plugin-api.ts';
import type { AwsSettings } from './aws-settings.ts';

/**
 * Why EC2 instances of this farm never became workers, most likely first, each with the
 * command that checks it (this farm's region, groups, bucket and instance ids filled in).
 */
export function awsBootFailureCauses(s: AwsSettings, serverUrl: string, instanceIds: readonly string[]): BootFailureCause[] {
  const url = s.serverUrl || serverUrl;
  const port = (() => {
    try {
      return new URL(url).port || '80';
    } catch {
      return '19211';
    }
  })();
  const region = `--region ${s.region}`;
  const one = instanceIds[0] ?? 'i-…';
  const workerGroups = s.securityGroupIds.length > 0 ? s.securityGroupIds.join(', ') : "the subnet's default group";
  return [
    {
      cause: `Workers are told to reach the server at ${url} (serverurl in the AWS settings, else publicurl in [server]), and that address is wrong or not reachable from their subnet.`,
      howToCheck: `From an instance in ${s.subnetIds[0] ?? 'the workers\' subnet'}: curl -sS ${url}/api/session (any HTTP answer, 401 too, means it is reachable). A private address works only inside the VPC; fix the URL and restart the server.`,
    },
    {
      cause: `The server's security group (Name sg-coalition) is not attached to the server's instance, or does not allow TCP ${port} from the workers' group (${workerGroups}).`,
      howToCheck: `aws ec2 describe-instances --instance-ids <the server's instance> --query "Reservations[].Instances[].SecurityGroups" ${region} must list sg-coalition; aws ec2 describe-security-groups --filters Name=tag:Name,Values=sg-coalition ${region} shows its rule from ${workerGroups}.`,
    },
    {
      cause: `The bootstrap fails on the instance (packages, mounting s3://${s.bucket || '<bucket>'} with the instance role ${s.iamInstanceProfile || '<profile>'}, unpacking ${s.workerBundle}).`,
      howToCheck: `aws ec2 get-console-output --instance-id ${one} --latest ${region} shows the bootstrap's last lines; npm run cli -- aws render-user-data --server ${url} shows what an instance receives.`,
    },
    {
      cause: 'The instances take longer than the boot deadline to start their worker (a first npm ci on a small type).',
      howToCheck: 'If the console output shows the worker starting late, raise bootDeadlineSeconds (POST /api/cloud/settings) and acknowledge the alert.',
    },
  ];
}
