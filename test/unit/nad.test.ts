import { InvalidPKeyError, NadConfigError, NotIbSriovError } from '../../domain/errors';
import { networkId, parseIbSriovNetwork, splitNetworkId } from '../../domain/nad';

const ID = 'default_ib-net';

interface Found {
  pkey: string | null;
  rawPkey: string;
  useInfinibandGuidField: boolean;
}

const found = (pkey: string | null, rawPkey: string, useInfinibandGuidField = false): Found => ({
  pkey,
  rawPkey,
  useInfinibandGuidField,
});

// Expectations follow upstream `GetIbSriovCniFromNetwork` after `json.Unmarshal` into a map
// (contract §5); each config was also run through a copy of that Go code.
const ACCEPTED: Array<[string, string, Found]> = [
  ['top-level ib-sriov', '{"cniVersion":"0.3.1","type":"ib-sriov","pkey":"0x5"}', found('0x5', '0x5')],
  ['pkey normalised', '{"type":"ib-sriov","pkey":"0X0005"}', found('0x5', '0X0005')],
  ['pkey missing', '{"type":"ib-sriov"}', found(null, '')],
  ['pkey empty', '{"type":"ib-sriov","pkey":""}', found(null, '')],
  ['pkey null', '{"type":"ib-sriov","pkey":null}', found(null, '')],
  [
    'capability declared',
    '{"type":"ib-sriov","pkey":"0x6","capabilities":{"infinibandGUID":true}}',
    found('0x6', '0x6', true),
  ],
  ['capability false', '{"type":"ib-sriov","capabilities":{"infinibandGUID":false}}', found(null, '')],
  ['capability null reads false', '{"type":"ib-sriov","capabilities":{"infinibandGUID":null}}', found(null, '')],
  ['capability name is exact', '{"type":"ib-sriov","capabilities":{"InfinibandGUID":true}}', found(null, '')],
  ['other capabilities only', '{"type":"ib-sriov","capabilities":{"mac":true}}', found(null, '')],
  ['capabilities null', '{"type":"ib-sriov","capabilities":null}', found(null, '')],
  ['PKEY matched case-insensitively', '{"type":"ib-sriov","PKEY":"0x7"}', found('0x7', '0x7')],
  ['Kelvin sign folds to k', '{"type":"ib-sriov","p\u212aey":"0x7"}', found('0x7', '0x7')],
  [
    'case variants: Go sorts keys, so "pkey" beats "PKEY"',
    '{"pkey":"0x2","type":"ib-sriov","PKEY":"0x1"}',
    found('0x2', '0x2'),
  ],
  ['case variants: a null does not reset', '{"type":"ib-sriov","PKEY":"0x1","pkey":null}', found('0x1', '0x1')],
  [
    'capabilities variants merge',
    '{"type":"ib-sriov","Capabilities":{"infinibandGUID":true},"capabilities":{"mac":true}}',
    found(null, '', true),
  ],
  ['duplicate key: last wins', '{"type":"ib-sriov","pkey":"0x1","pkey":"0x3"}', found('0x3', '0x3')],
  [
    'top level wins over plugins',
    '{"type":"ib-sriov","pkey":"0x1","plugins":[{"type":"ib-sriov","pkey":"0x2"}]}',
    found('0x1', '0x1'),
  ],
  [
    'first ib-sriov plugin',
    '{"cniVersion":"1.0.0","name":"n","plugins":[{"type":"tuning"},{"type":"ib-sriov","pkey":"0x10"},{"type":"ib-sriov","pkey":"0x11"}]}',
    found('0x10', '0x10'),
  ],
  [
    'plugin capability',
    '{"plugins":[{"type":"ib-sriov","capabilities":{"infinibandGUID":true}}]}',
    found(null, '', true),
  ],
  ['plugin TYPE matched case-insensitively', '{"plugins":[{"TYPE":"ib-sriov","pkey":"0x5"}]}', found('0x5', '0x5')],
  [
    'unknown fields ignored',
    '{"type":"ib-sriov","pkey":"0x5","ipam":{"type":"whereabouts"},"x":[1,2]}',
    found('0x5', '0x5'),
  ],
  ['pkey with the full-membership bit', '{"type":"ib-sriov","pkey":"0x8005"}', found('0x5', '0x8005')],
];

const REJECTED: Array<[string, unknown, new (...args: never[]) => Error]> = [
  ['config not a string (object)', { type: 'ib-sriov' }, NadConfigError],
  ['config not a string (undefined)', undefined, NadConfigError],
  ['empty string', '', NadConfigError],
  ['malformed JSON', '{"type":"ib-sriov",}', NadConfigError],
  ['trailing garbage', '{"type":"ib-sriov"} x', NadConfigError],
  ['JSON null (upstream: empty network spec)', 'null', NadConfigError],
  ['JSON list', '[{"type":"ib-sriov"}]', NadConfigError],
  ['JSON string', '"ib-sriov"', NadConfigError],
  ['pkey a number', '{"type":"ib-sriov","pkey":5}', NadConfigError],
  ['PKEY variant a number', '{"type":"ib-sriov","pkey":"0x5","Pkey":5}', NadConfigError],
  ['capabilities a list', '{"type":"ib-sriov","capabilities":["infinibandGUID"]}', NadConfigError],
  ['capability a string', '{"type":"ib-sriov","capabilities":{"infinibandGUID":"true"}}', NadConfigError],
  ['plugins not a list', '{"type":"bridge","plugins":{"type":"ib-sriov"}}', NadConfigError],
  ['plugin null (upstream panics)', '{"plugins":[null,{"type":"ib-sriov"}]}', NadConfigError],
  ['plugin a string', '{"plugins":["ib-sriov"]}', NadConfigError],
  ['plugin type a number', '{"plugins":[{"type":5},{"type":"ib-sriov"}]}', NadConfigError],
  ['bad plugin after ib-sriov still fails', '{"plugins":[{"type":"ib-sriov"},{"type":"x","pkey":1}]}', NadConfigError],
  ['number beyond float64', '{"type":"ib-sriov","mtu":1e400}', NadConfigError],
  ['other type, no plugins', '{"type":"macvlan","master":"eth0"}', NotIbSriovError],
  ['no type, no plugins', '{}', NotIbSriovError],
  ['type case differs', '{"type":"IB-SRIOV"}', NotIbSriovError],
  ['TYPE key at top level does not count', '{"TYPE":"ib-sriov"}', NotIbSriovError],
  ['type not a string', '{"type":5}', NotIbSriovError],
  ['no ib-sriov plugin', '{"plugins":[{"type":"sriov"},{"type":"tuning"}]}', NotIbSriovError],
  ['plugins empty', '{"plugins":[]}', NotIbSriovError],
  ['plugins null', '{"plugins":null}', NotIbSriovError],
  ['invalid pkey', '{"type":"ib-sriov","pkey":"5"}', InvalidPKeyError],
  ['pkey zero', '{"type":"ib-sriov","pkey":"0x0"}', InvalidPKeyError],
  ['pkey with trailing garbage', '{"type":"ib-sriov","pkey":"0x5zz"}', InvalidPKeyError],
  ['plugin pkey invalid', '{"plugins":[{"type":"ib-sriov","pkey":"0xfffff"}]}', InvalidPKeyError],
];

describe('parseIbSriovNetwork', () => {
  it.each(ACCEPTED)('%s', (_name, config, expected) => {
    expect(parseIbSriovNetwork(ID, config)).toEqual({ networkId: ID, ...expected });
  });

  it.each(REJECTED)('rejects %s', (_name, config, errorClass) => {
    expect(() => parseIbSriovNetwork(ID, config)).toThrow(errorClass);
  });

  it('names the network in its errors', () => {
    expect(() => parseIbSriovNetwork('team_net', '{"type":"bridge"}')).toThrow(/team_net/);
    expect(() => parseIbSriovNetwork('team_net', '{')).toThrow(/team_net/);
  });

  it('is not fooled by prototype keys', () => {
    const config =
      '{"__proto__":{"type":"ib-sriov"},"plugins":[{"type":"ib-sriov","capabilities":{"__proto__":true}}]}';
    expect(parseIbSriovNetwork(ID, config)).toEqual({ networkId: ID, ...found(null, '') });
    expect(({} as Record<string, unknown>).type).toBeUndefined();
  });

  it('returns a JSON-plain value', () => {
    const result = parseIbSriovNetwork(ID, '{"type":"ib-sriov","pkey":"0x5"}');
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});

describe('network ids', () => {
  it('round-trips namespace and name', () => {
    expect(splitNetworkId(networkId('team-a', 'ib-net'))).toEqual({ namespace: 'team-a', name: 'ib-net' });
  });

  it.each([
    ['no separator', 'ib-net'],
    ['two separators (a JSON-form name with "_")', 'default_ib_net'],
    ['empty name (short form "ib-net,")', 'default_'],
    ['empty namespace', '_ib-net'],
    ['empty', ''],
  ])('splitNetworkId rejects %s', (_name, id) => {
    expect(() => splitNetworkId(id)).toThrow(NadConfigError);
  });
});
