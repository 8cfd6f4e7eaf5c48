import { chooseDistributionAddress, distributionBinding, localAddresses } from './dist-interface';

describe('the address of the distribution listener', () => {
  it('is the address of a node named by IPv4 address', () => {
    expect(chooseDistributionAddress('127.0.0.3', [], []).address).toBe('127.0.0.3');
    expect(chooseDistributionAddress('10.1.2.3', ['10.9.9.9'], ['10.9.9.9']).address).toBe(
      '10.1.2.3',
    );
  });

  it("is the first address a name resolves to that is one of this machine's", () => {
    const b = chooseDistributionAddress(
      'agent-1.example',
      ['fe80::1', '10.0.0.7', '192.168.1.5'],
      ['127.0.0.1', '192.168.1.5', '10.0.0.7'],
    );
    expect(b).toEqual({
      address: '10.0.0.7',
      reason: 'agent-1.example resolves to 10.0.0.7, an address of this machine',
    });
  });

  it("is every interface when the name resolves to no address of this machine's, saying why", () => {
    // Debian's own host name entry: 127.0.1.1 is on no interface, and no other host reaches it.
    const debian = chooseDistributionAddress('agent-1', ['127.0.1.1'], ['127.0.0.1', '10.0.0.7']);
    expect(debian.address).toBeUndefined();
    expect(debian.reason).toMatch(/127\.0\.1\.1, on none of this machine's interfaces/);
    const unresolved = chooseDistributionAddress('nowhere.invalid', [], ['127.0.0.1']);
    expect(unresolved.address).toBeUndefined();
    expect(unresolved.reason).toMatch(/no IPv4 address/);
    expect(chooseDistributionAddress('v6-only', ['2001:db8::1'], ['127.0.0.1']).address).toBe(
      undefined,
    );
  });

  it('resolves names with the system resolver against the real interfaces', async () => {
    expect(localAddresses()).toContain('127.0.0.1');
    expect((await distributionBinding('localhost')).address).toBe('127.0.0.1');
    expect((await distributionBinding('127.0.0.4')).address).toBe('127.0.0.4');
    expect((await distributionBinding('no-such-host.invalid')).address).toBeUndefined();
  });
});
