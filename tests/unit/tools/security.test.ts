import { generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { securityTools } from '../../../src/tools/builtin/security.js';
import { runTool } from '../../support/tools.js';

function tool(name: string) {
  const found = securityTools.find((candidate) => candidate.name === name);
  if (found === undefined) {
    throw new Error(`no security tool named ${name}`);
  }

  return found;
}

describe('hash', () => {
  const hash = tool('hash');

  it('computes SHA-256 of abc', async () => {
    const result = await runTool(hash, { input: 'abc' });

    // FIPS 180-2, appendix B.1.
    expect(result).toEqual({
      algorithm: 'sha256',
      encoding: 'hex',
      digest: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      bytes: 32,
      matches: null,
    });
  });

  it('computes SHA-512 of abc', async () => {
    const result = await runTool(hash, { input: 'abc', algorithm: 'sha512' });

    // FIPS 180-2, appendix C.1.
    expect(result.digest).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
  });

  it('computes SHA3-256 of abc', async () => {
    const result = await runTool(hash, { input: 'abc', algorithm: 'sha3-256' });

    // NIST FIPS 202 example values.
    expect(result.digest).toBe('3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532');
  });

  it('computes MD5 and SHA-1 of abc', async () => {
    const md5 = await runTool(hash, { input: 'abc', algorithm: 'md5' });
    const sha1 = await runTool(hash, { input: 'abc', algorithm: 'sha1' });

    // RFC 1321 appendix A.5 and FIPS 180-2 appendix A.1.
    expect(md5.digest).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(sha1.digest).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });

  it('hashes bytes given as hex', async () => {
    const result = await runTool(hash, { input: '616263', input_encoding: 'hex', algorithm: 'sha1' });

    expect(result.digest).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  });

  it('writes base64 digests', async () => {
    const result = await runTool(hash, { input: '', algorithm: 'md5', output_encoding: 'base64' });

    expect(result.digest).toBe('1B2M2Y8AsgTpgAmY7PhCfg==');
  });

  it('compares an expected digest', async () => {
    const match = await runTool(hash, {
      input: 'abc',
      expected: 'BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD',
    });
    const mismatch = await runTool(hash, { input: 'abd', expected: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' });

    expect(match.matches).toBe(true);
    expect(mismatch.matches).toBe(false);
  });

  it('rejects odd-length hex', async () => {
    await expect(runTool(hash, { input: 'abc', input_encoding: 'hex' })).rejects.toThrow('input is not hex');
  });

  it('rejects an unknown algorithm', async () => {
    await expect(runTool(hash, { input: 'abc', algorithm: 'crc32' })).rejects.toMatchObject({
      details: [{ field: 'args.algorithm', message: expect.stringContaining('must be one of "md5"') }],
    });
  });
});

describe('hmac', () => {
  const hmac = tool('hmac');

  it('matches RFC 4231 case 2 for SHA-256', async () => {
    const result = await runTool(hmac, { key: 'Jefe', message: 'what do ya want for nothing?' });

    expect(result).toEqual({
      algorithm: 'sha256',
      encoding: 'hex',
      hmac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      matches: null,
    });
  });

  it('matches RFC 4231 case 2 for SHA-512', async () => {
    const result = await runTool(hmac, { key: 'Jefe', message: 'what do ya want for nothing?', algorithm: 'sha512' });

    expect(result.hmac).toBe(
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    );
  });

  it('matches RFC 4231 case 1 with a hex key', async () => {
    const result = await runTool(hmac, { key: '0b'.repeat(20), key_encoding: 'hex', message: 'Hi There' });

    expect(result.hmac).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
  });

  it('checks an expected signature', async () => {
    const valid = await runTool(hmac, {
      key: 'Jefe',
      message: 'what do ya want for nothing?',
      expected: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    });
    const forged = await runTool(hmac, { key: 'Jefe', message: 'what do ya want for nothing?', expected: '00'.repeat(32) });

    expect(valid.matches).toBe(true);
    expect(forged.matches).toBe(false);
  });

  it('rejects invalid base64 keys', async () => {
    await expect(runTool(hmac, { key: 'not*base64', key_encoding: 'base64', message: 'x' })).rejects.toThrow(
      'key is not base64',
    );
  });
});

describe('jwt_decode', () => {
  const jwtDecode = tool('jwt_decode');
  // The example token published at jwt.io, signed with HS256 and this secret.
  const exampleToken =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
  const exampleSecret = 'your-256-bit-secret';

  it('decodes without claiming verification', async () => {
    const result = await runTool(jwtDecode, { token: exampleToken });

    expect(result).toEqual({
      header: { alg: 'HS256', typ: 'JWT' },
      payload: { sub: '1234567890', name: 'John Doe', iat: 1516239022 },
      signature_verified: null,
      signature_error: null,
      issued_at: '2018-01-18T01:30:22.000Z',
      not_before: null,
      expires_at: null,
      expired: null,
      not_yet_valid: null,
    });
  });

  it('verifies an HS256 signature', async () => {
    const result = await runTool(jwtDecode, { token: exampleToken, secret: exampleSecret });

    expect(result.signature_verified).toBe(true);
    expect(result.signature_error).toBeNull();
  });

  it('reports a wrong secret', async () => {
    const result = await runTool(jwtDecode, { token: exampleToken, secret: 'not-the-secret' });

    expect(result.signature_verified).toBe(false);
    expect(result.signature_error).toBe('signature verification failed');
  });

  it('reports expiry separately from the signature', async () => {
    const secret = new TextEncoder().encode('expired-token-secret');
    const token = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS512' })
      .setIssuedAt(1_700_000_000)
      .setNotBefore(1_700_000_000)
      .setExpirationTime(1_700_003_600)
      .sign(secret);
    const result = await runTool(jwtDecode, { token, secret: 'expired-token-secret' });

    expect(result).toEqual({
      header: { alg: 'HS512' },
      payload: { role: 'admin', iat: 1_700_000_000, nbf: 1_700_000_000, exp: 1_700_003_600 },
      signature_verified: true,
      signature_error: null,
      issued_at: '2023-11-14T22:13:20.000Z',
      not_before: '2023-11-14T22:13:20.000Z',
      expires_at: '2023-11-14T23:13:20.000Z',
      expired: true,
      not_yet_valid: false,
    });
  });

  it('rejects a secret for an ES256 token', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);

    await expect(runTool(jwtDecode, { token, secret: 'x' })).rejects.toThrow(
      `a secret verifies only HS256, HS384, HS512 signatures, but the token's alg is "ES256"`,
    );
  });

  it('rejects a malformed token', async () => {
    await expect(runTool(jwtDecode, { token: 'abc.def' })).rejects.toThrow('token is not a decodable JWT');
  });
});

describe('password_strength', () => {
  const passwordStrength = tool('password_strength');

  it('rates a common password 0', async () => {
    const result = await runTool(passwordStrength, { password: 'password123' });

    expect(result).toEqual({
      score: 0,
      guesses: 797,
      guesses_log10: 2.9014583213961123,
      crack_times: {
        onlineThrottlingXPerHour: { seconds: 28692, display: '8 hours' },
        onlineNoThrottlingXPerSecond: { seconds: 79.7, display: '1 minute' },
        offlineSlowHashingXPerSecond: { seconds: 0.0797, display: 'less than a second' },
        offlineFastHashingXPerSecond: { seconds: 7.97e-8, display: 'less than a second' },
      },
      feedback: { warning: 'This is a commonly used password.', suggestions: ['Add more words that are less common.'] },
      patterns: ['dictionary'],
    });
  });

  it('rates a passphrase 4', async () => {
    const result = await runTool(passwordStrength, { password: 'correct horse battery staple' });

    expect(result.score).toBe(4);
    expect(result.feedback).toEqual({ warning: null, suggestions: [] });
  });

  it('penalises user inputs', async () => {
    const without = await runTool(passwordStrength, { password: 'Zelphinia2024!' });
    const withName = await runTool(passwordStrength, { password: 'Zelphinia2024!', user_inputs: ['zelphinia'] });

    expect(withName.guesses as number).toBeLessThan(without.guesses as number);
    expect((withName.feedback as { warning: string }).warning).toBe('There should not be any personal or page related data.');
  });

  it('rejects passwords over 256 characters', async () => {
    await expect(runTool(passwordStrength, { password: 'a'.repeat(257) })).rejects.toMatchObject({
      details: [{ field: 'args.password', message: 'must NOT have more than 256 characters' }],
    });
  });
});

const uuidFormat = /^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-([89ab])[0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuid_generate', () => {
  const uuidGenerate = tool('uuid_generate');

  it('generates one v4 by default', async () => {
    const result = await runTool(uuidGenerate, {});
    const uuids = result.uuids as string[];

    expect(result.version).toBe(4);
    expect(uuids).toHaveLength(1);
    expect(uuids[0]).toMatch(uuidFormat);
    expect(uuidFormat.exec(uuids[0]!)?.[1]).toBe('4');
  });

  it('generates ordered v7 UUIDs', async () => {
    const before = Date.now();
    const result = await runTool(uuidGenerate, { version: 7, count: 20 });
    const uuids = result.uuids as string[];

    expect(uuids).toHaveLength(20);
    expect(new Set(uuids).size).toBe(20);
    for (const uuid of uuids) {
      expect(uuidFormat.exec(uuid)?.[1]).toBe('7');
      const milliseconds = Number.parseInt(uuid.replace(/-/g, '').slice(0, 12), 16);
      expect(milliseconds).toBeGreaterThanOrEqual(before);
      expect(milliseconds).toBeLessThanOrEqual(Date.now());
    }
    expect([...uuids].sort()).toEqual(uuids);
  });

  it('rejects version 1', async () => {
    await expect(runTool(uuidGenerate, { version: 1 })).rejects.toMatchObject({
      details: [{ field: 'args.version', message: 'must be one of 4, 7' }],
    });
  });
});

describe('uuid_inspect', () => {
  const uuidInspect = tool('uuid_inspect');

  // The example UUIDs of RFC 9562 appendix A all encode 2022-02-22 14:22:22 UTC-05:00.
  it('reads the RFC 9562 v7 example', async () => {
    const result = await runTool(uuidInspect, { uuid: '017F22E2-79B0-7CC3-98C4-DC0C0C07398F' });

    expect(result).toEqual({
      uuid: '017f22e2-79b0-7cc3-98c4-dc0c0c07398f',
      valid: true,
      special: null,
      version: 7,
      variant: 'rfc9562',
      timestamp: '2022-02-22T19:22:22.000Z',
    });
  });

  it('reads the RFC 9562 v1 and v6 examples', async () => {
    const v1 = await runTool(uuidInspect, { uuid: 'C232AB00-9414-11EC-B3C8-9F6BDECED846' });
    const v6 = await runTool(uuidInspect, { uuid: '1EC9414C-232A-6B00-B3C8-9F6BDECED846' });

    expect(v1).toMatchObject({ version: 1, timestamp: '2022-02-22T19:22:22.000Z' });
    expect(v6).toMatchObject({ version: 6, timestamp: '2022-02-22T19:22:22.000Z' });
  });

  it('reads a v4 without a timestamp', async () => {
    const result = await runTool(uuidInspect, { uuid: '919108f7-52d1-4320-9bac-f847db4148a8' });

    expect(result).toMatchObject({ version: 4, variant: 'rfc9562', timestamp: null });
  });

  it('marks the Nil UUID', async () => {
    const result = await runTool(uuidInspect, { uuid: '00000000-0000-0000-0000-000000000000' });

    expect(result).toMatchObject({ special: 'nil', version: null, variant: null });
  });

  it('rejects a malformed UUID', async () => {
    await expect(runTool(uuidInspect, { uuid: 'not-a-uuid' })).rejects.toThrow(
      'uuid "not-a-uuid" is not a valid RFC 9562 UUID',
    );
  });
});

describe('random_password', () => {
  const randomPassword = tool('random_password');

  it('uses every class by default', async () => {
    const result = await runTool(randomPassword, { count: 5 });
    const passwords = result.passwords as string[];

    expect(result.length).toBe(20);
    expect(result.alphabet_size).toBe(90);
    // 20 × log2(90) = 129.84 bits.
    expect(result.entropy_bits).toBe(129.84);
    expect(passwords).toHaveLength(5);
    for (const password of passwords) {
      expect(password).toHaveLength(20);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/[0-9]/);
      expect(password).toMatch(/[^A-Za-z0-9]/);
    }
  });

  it('limits to digits', async () => {
    const result = await runTool(randomPassword, {
      length: 10,
      lowercase: false,
      uppercase: false,
      symbols: false,
    });

    expect(result.passwords).toEqual([expect.stringMatching(/^[0-9]{10}$/)]);
    expect(result.alphabet_size).toBe(10);
    // 10 × log2(10) = 33.22 bits.
    expect(result.entropy_bits).toBe(33.22);
  });

  it('leaves out ambiguous characters', async () => {
    const result = await runTool(randomPassword, { length: 128, count: 20, symbols: false, exclude_ambiguous: true });

    expect(result.alphabet_size).toBe(56);
    for (const password of result.passwords as string[]) {
      expect(password).not.toMatch(/[Il1O0o]/);
    }
  });

  it('rejects an empty alphabet', async () => {
    await expect(
      runTool(randomPassword, { lowercase: false, uppercase: false, digits: false, symbols: false }),
    ).rejects.toThrow('at least one of lowercase, uppercase, digits and symbols must be true');
  });

  it('rejects a length under 8', async () => {
    await expect(runTool(randomPassword, { length: 4 })).rejects.toMatchObject({
      details: [{ field: 'args.length', message: 'must be >= 8' }],
    });
  });
});
