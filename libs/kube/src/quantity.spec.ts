import { bytes, cpuMillicores, parseQuantity } from './quantity';

describe('Kubernetes quantities', () => {
  it.each<[string, number]>([
    ['4', 4000],
    ['3500m', 3500],
    ['0.5', 500],
    ['.25', 250],
    ['1.', 1000],
    ['100u', 1],
    ['250000000n', 250],
    ['1e3', 1_000_000],
    ['2E-1', 200],
    ['1k', 1_000_000],
    ['+2', 2000],
    ['0.1', 100],
    ['2.5e3', 2_500_000],
    ['1n', 1],
    ['1500000n', 2],
    ['7.5m', 8],
  ])('cpu %s is %d millicores', (text, expected) => {
    expect(cpuMillicores(text)).toBe(expected);
  });

  it.each<[string, number]>([
    ['16Gi', 16 * 2 ** 30],
    ['16369420Ki', 16369420 * 1024],
    ['1.5Mi', 1.5 * 2 ** 20],
    ['128974848', 128974848],
    ['129e6', 129_000_000],
    ['129M', 129_000_000],
    ['1Ti', 2 ** 40],
    ['1Ei', 2 ** 60],
    ['0', 0],
    ['1500m', 2],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['1e+3', 1000],
    ['1E', 1e18],
    ['2P', 2e15],
    ['1Pi', 2 ** 50],
    ['0.5Ki', 512],
    ['100k', 100_000],
  ])('memory %s is %d bytes', (text, expected) => {
    expect(bytes(text)).toBe(expected);
  });

  it.each([
    '',
    'Gi',
    '1.2.3',
    '12 Gi',
    '1KiB',
    '1ki',
    'abc',
    '--1',
    '1e',
    '0x10',
    ' 1',
    '1 ',
    'e3',
    '1Kii',
    '1.5.Gi',
    '1e3.5',
    'Infinity',
    'NaN',
  ])('refuses %p', (text) => {
    expect(() => parseQuantity(text)).toThrow(/is not a Kubernetes quantity/);
  });
});
