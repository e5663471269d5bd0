import { describe, expect, it, vi } from 'vitest';
import { flattenIni, parseCloudAwsIni, settingsFromFlat, SettingsError, toCloudAwsIni } from '../../plugins/aws/aws-settings.ts';

// The file the old Coalition shipped (config/_cloud_aws.ini), filled in as a user would.
const oldIni = `# Configuration file for aws cloud

[authentication]
# Aws ssh key pair name
keyname=render-key
# Accesskey
accesskey=AKIAIOSFODNN7EXAMPLE
# Secretkey
secretaccesskey=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[storage]
name=studio-renders
mountpoint=/mnt/bucket
guerillarenderfilename=srv/guerilla_render_2.0.0a13_linux64.tar.gz
coalitionfilename=srv/coalition.tar.gz

[coalition]
ip = 10.0.0.5
port = 19211
workerinstancemax=3
workerinstancestartdelay=30
workerinstanceminimumlifetime=900

[worker]
nameprefix=cloud-
spot=true
instancetype=m3.medium
imageid=ami-2f40bd40
subnetid=subnet-0a1b2c3d
iaminstanceprofile=coalition-worker
securitygroupid=sg-0a1b2c3d
availabilityzone=eu-west-1a
[spot]
spotprice=10
instancecount=1
type=one-time
`;

describe('AWS settings', () => {
  it('reads the old cloud_aws.ini as it is', () => {
    const warn = vi.fn();
    const s = parseCloudAwsIni(oldIni, warn);
    expect(s).toMatchObject({
      keyName: 'render-key', bucket: 'studio-renders', mountPoint: '/mnt/bucket',
      rendererArchive: 'srv/guerilla_render_2.0.0a13_linux64.tar.gz', workerBundle: 'srv/coalition.tar.gz',
      serverUrl: 'http://10.0.0.5:19211', workerInstanceMax: 3, workerInstanceStartDelay: 30, workerInstanceMinimumLifetime: 900,
      namePrefix: 'cloud-', spot: true, instanceTypes: ['m3.medium'], imageId: 'ami-2f40bd40', subnetIds: ['subnet-0a1b2c3d'],
      iamInstanceProfile: 'coalition-worker', securityGroupIds: ['sg-0a1b2c3d'], availabilityZone: 'eu-west-1a', spotMaxPrice: '10',
    });
  });

  it('warns about access keys in the file without printing them', () => {
    const warn = vi.fn();
    parseCloudAwsIni(oldIni, warn);
    expect(warn).toHaveBeenCalledTimes(1);
    const text = String(warn.mock.calls[0][0]);
    expect(text).toMatch(/access keys/);
    expect(text).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(text).not.toContain('wJalrXUtnFEMI');
  });

  it('spot = false turns spot off', () => {
    expect(parseCloudAwsIni('[worker]\nspot=false\n').spot).toBe(false);
  });

  it('reads the new keys: region, type lists, per-type slots, affinities and on-demand prices', () => {
    const s = parseCloudAwsIni(`region = eu-west-3
instancetypes = c6i.large, c6i.2xlarge
fleettypes = c6i.large,c6a.large,m6i.large
slots.c6i.2xlarge = 4
affinities = linux
affinities.c6i.2xlarge = linux, big
ondemandprice.c6i.large = 0.096
[worker]
ondemandprice.c6i.2xlarge = 0.384
`);
    expect(s).toMatchObject({
      region: 'eu-west-3', instanceTypes: ['c6i.large', 'c6i.2xlarge'], fleetTypes: ['c6i.large', 'c6a.large', 'm6i.large'],
      slots: { 'c6i.2xlarge': 4 }, defaultAffinities: ['linux'], affinities: { 'c6i.2xlarge': ['linux', 'big'] },
      onDemandPrices: { 'c6i.large': 0.096, 'c6i.2xlarge': 0.384 },
    });
  });

  it('names the key of a bad value', () => {
    expect(() => parseCloudAwsIni('[coalition]\nworkerinstancemax=lots\n')).toThrow(SettingsError);
    expect(() => parseCloudAwsIni('[coalition]\nworkerinstancemax=lots\n')).toThrow(/workerinstancemax/);
    expect(() => parseCloudAwsIni('[worker]\nspot=maybe\n')).toThrow(/spot/);
  });

  it('config keys override the file', () => {
    const s = settingsFromFlat([flattenIni(oldIni), { instancetype: 'c6i.large', workerinstancemax: '10' }]);
    expect(s.instanceTypes).toEqual(['c6i.large']);
    expect(s.workerInstanceMax).toBe(10);
  });

  it('writes settings back in the old layout, never with keys, and reads them back the same', () => {
    const s = parseCloudAwsIni(oldIni);
    const text = toCloudAwsIni({ ...s, region: 'eu-west-1' });
    expect(text).not.toContain('AKIA');
    expect(text).not.toContain('secretaccesskey');
    expect(text).toMatch(/\[storage\][^[]*name = studio-renders/);
    const back = parseCloudAwsIni(text);
    expect({ ...back, accessKeyId: undefined, secretAccessKey: undefined }).toEqual({ ...s, region: 'eu-west-1', accessKeyId: undefined, secretAccessKey: undefined, profile: undefined });
  });
});
