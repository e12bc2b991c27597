import { describe, expect, it } from 'vitest';
import { mantraDeviceInfo, mantraRdService, morphoRdService, notReadyRdService, successPidData, timedOutPidData } from './golden-frames';
import {
  buildPidOptionsXml,
  captureErrorMessage,
  captureErrorOutcome,
  defaultFingerprintPidOptions,
  describeRdServiceStatus,
  parseDeviceInfo,
  parsePidData,
  parsePidOptions,
  parseRdServiceDescription,
  resolveInterfaceTarget,
  type CaptureErrorOutcome,
} from './protocol';
import { parseXmlDocument, XmlParseError } from './xml';

describe('PidOptions', () => {
  it('builds the documented default fingerprint request byte for byte', () => {
    expect(buildPidOptionsXml()).toBe(
      '<PidOptions ver="1.0"><Opts fCount="1" fType="2" iCount="0" pCount="0" format="0" pidVer="2.0" timeout="10000" env="P" wadh="" posh="UNKNOWN"/></PidOptions>',
    );
  });

  it('escapes attribute values and round-trips through the parser', () => {
    const options = { ...defaultFingerprintPidOptions, wadh: 'a"b<c&d', customOptions: new Map([['mode', 'x&y']]) };
    const xml = buildPidOptionsXml(options);
    expect(xml).toContain('wadh="a&quot;b&lt;c&amp;d"');
    const parsed = parsePidOptions(xml);
    expect(parsed.ok && parsed.value.wadh).toBe('a"b<c&d');
    expect(parsed.ok && parsed.value.customOptions?.get('mode')).toBe('x&y');
  });

  it('reads format 1 (protobuf, allowed by the specification) and iType/pType, and writes iType/pType only when set', () => {
    const parsed = parsePidOptions('<PidOptions ver="1.0"><Opts fCount="1" fType="0" iCount="0" iType="0" pCount="0" pType="0" format="1"/></PidOptions>');
    expect(parsed.ok && parsed.value).toMatchObject({ fingerType: 0, format: 1, irisType: 0, photoType: 0 });
    expect(buildPidOptionsXml({ ...defaultFingerprintPidOptions, irisType: 0, photoType: 0 })).toContain('iCount="0" iType="0" pCount="0" pType="0"');
  });

  it.each([
    ['fType="x"', 'fType'],
    ['fCount="-1"', 'fCount'],
    ['iType="a"', 'iType'],
    ['format="2"', 'format'],
    ['env="Q"', 'env'],
  ] as const)('names the attribute at fault (%s)', (attribute, name) => {
    const parsed = parsePidOptions(`<PidOptions ver="1.0"><Opts ${attribute}/></PidOptions>`);
    expect(!parsed.ok && parsed.error).toMatchObject({ problem: 'invalid-field', attribute: name });
  });

  it('refuses requests no service would accept', () => {
    expect(() => buildPidOptionsXml({ ...defaultFingerprintPidOptions, fingerCount: -1 })).toThrow(RangeError);
    expect(() => buildPidOptionsXml({ ...defaultFingerprintPidOptions, fingerCount: 0 })).toThrow(/at least one/);
    expect(() => buildPidOptionsXml({ ...defaultFingerprintPidOptions, timeoutMs: 10 })).toThrow(/timeout/);
  });
});

describe('RDSERVICE', () => {
  it('reads a Mantra-style answer', () => {
    expect(parseRdServiceDescription(mantraRdService)).toEqual({
      ok: true,
      value: { status: 'READY', info: 'Mantra Authentication Vendor Device Manager', deviceInfoPath: '/rd/info', capturePath: '/rd/capture' },
    });
  });

  it('reads a Morpho-style answer (single quotes, other order, other paths)', () => {
    const parsed = parseRdServiceDescription(morphoRdService);
    expect(parsed.ok && parsed.value).toMatchObject({ status: 'READY', deviceInfoPath: '/getDeviceInfo', capturePath: '/capture' });
  });

  it('reports NOTREADY with a sentence the operator can act on', () => {
    const parsed = parseRdServiceDescription(notReadyRdService);
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.value.status).toBe('NOTREADY');
    expect(parsed.value.info).toBe('Device not connected & not ready');
    expect(describeRdServiceStatus(parsed.value)).toMatch(/not ready: check that the fingerprint scanner is plugged in/);
  });

  it('accepts the NOT READY spelling and USED', () => {
    const spaced = parseRdServiceDescription('<RDService status="NOT READY" info=""/>');
    expect(spaced.ok && spaced.value.status).toBe('NOTREADY');
    const used = parseRdServiceDescription('<RDService status="USED" info="x"/>');
    expect(used.ok && describeRdServiceStatus(used.value)).toMatch(/in use by another application/);
  });

  it('keeps interfaces undefined when the service does not advertise them', () => {
    const parsed = parseRdServiceDescription('<RDService status="NOTREADY" info="x"/>');
    expect(parsed.ok && parsed.value).toMatchObject({ deviceInfoPath: undefined, capturePath: undefined });
  });

  it.each([
    ['<RDService info="x"/>', 'missing-field', /no status/],
    ['<RDService status="MAYBE"/>', 'invalid-field', /not READY, NOTREADY or USED/],
    ['<DeviceInfo dpId="x"/>', 'unexpected-document', /Expected an <RDService>/],
    ['<RDService status="READY"><Interface id="CAPTURE" path="/x"></RDService>', 'malformed-xml', /<\/RDService> closes <Interface>/],
    ['<RDService status="READY"', 'malformed-xml', /not well-formed XML/],
    ['', 'malformed-xml', /empty/],
    ['HTTP/1.1 200 OK', 'malformed-xml', /text found before the root element/],
  ])('rejects %j clearly', (xml, problem, message) => {
    const parsed = parseRdServiceDescription(xml);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.problem).toBe(problem);
    expect(parsed.error.message).toMatch(message);
  });
});

describe('interface paths', () => {
  it('sends ordinary and odd vendor paths verbatim to the service port', () => {
    expect(resolveInterfaceTarget('/rd/capture', 11101)).toEqual({ ok: true, port: 11101, requestTarget: '/rd/capture' });
    expect(resolveInterfaceTarget('/127.0.0.1:11100/rd/capture', 11100)).toEqual({ ok: true, port: 11100, requestTarget: '/127.0.0.1:11100/rd/capture' });
    expect(resolveInterfaceTarget('capture', 11102)).toEqual({ ok: true, port: 11102, requestTarget: '/capture' });
  });

  it('follows an absolute URL only to this machine', () => {
    expect(resolveInterfaceTarget('http://127.0.0.1:11105/rd/capture', 11100)).toEqual({ ok: true, port: 11105, requestTarget: '/rd/capture' });
    expect(resolveInterfaceTarget('http://localhost:11100/capture?x=1', 11100)).toEqual({ ok: true, port: 11100, requestTarget: '/capture?x=1' });
    const remote = resolveInterfaceTarget('http://10.0.0.9:11100/rd/capture', 11100);
    expect(remote.ok).toBe(false);
    expect(!remote.ok && remote.message).toMatch(/only sent to this machine/);
    expect(resolveInterfaceTarget('https://127.0.0.1/rd/capture', 11100).ok).toBe(false);
  });

  it('refuses paths that would corrupt the request line', () => {
    expect(resolveInterfaceTarget('/rd/capture HTTP/1.1\r\nX: y', 11100).ok).toBe(false);
    expect(resolveInterfaceTarget('   ', 11100).ok).toBe(false);
  });
});

describe('DEVICEINFO', () => {
  it('reads the identifying attributes and additional_info', () => {
    const parsed = parseDeviceInfo(mantraDeviceInfo);
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.value).toMatchObject({ dpId: 'MANTRA.MSIPL', rdsId: 'MANTRA.WIN.001', rdsVer: '1.0.8', mi: 'MFS100', mc: 'TUlJRUdqQ0NBd0tn' });
    expect(parsed.value.additionalInfo.get('srno')).toBe('2061813');
  });

  it('finds a DeviceInfo wrapped in an envelope, and rejects one without a provider id', () => {
    expect(parseDeviceInfo(`<Envelope>${mantraDeviceInfo}</Envelope>`).ok).toBe(true);
    const missing = parseDeviceInfo('<DeviceInfo rdsId="x" rdsVer="1"/>');
    expect(!missing.ok && missing.error).toEqual({ problem: 'missing-field', message: 'The DeviceInfo has no dpId.' });
  });
});

describe('PidData', () => {
  it('reads a successful capture and keeps the block opaque and intact', () => {
    const parsed = parsePidData(successPidData);
    if (!parsed.ok || parsed.value.kind !== 'captured') throw new Error('expected a capture');
    expect(parsed.value.pidData).toBe(successPidData);
    expect(parsed.value.summary).toMatchObject({
      response: { errorCode: 0, errorInfo: 'Success.', fingerCount: 1, qualityScores: [81], minutiaeCounts: [37] },
      certificateId: '20291231',
      dataType: 'X',
      deviceInfo: { dpId: 'MANTRA.MSIPL' },
    });
  });

  it('returns a device verdict for a non-zero errCode', () => {
    const parsed = parsePidData(timedOutPidData);
    expect(parsed.ok && parsed.value).toEqual({
      kind: 'device-error',
      response: {
        errorCode: 700,
        errorInfo: 'Capture timed out',
        fingerCount: 0,
        fingerType: 2,
        // The golden answer predates Resp's iris and face attributes: absent means undefined, not 0.
        irisCount: undefined,
        irisType: undefined,
        photoCount: undefined,
        photoType: undefined,
        qualityScores: [0],
        minutiaeCounts: [0],
      },
    });
  });

  it('reads the iris and face attributes of Resp', () => {
    const withAll = successPidData.replace('fType="2"', 'fType="0" iCount="0" iType="0" pCount="0" pType="0"');
    const parsed = parsePidData(withAll);
    expect(parsed.ok && parsed.value.kind === 'captured' && parsed.value.summary.response).toMatchObject({
      fingerType: 0,
      irisCount: 0,
      irisType: 0,
      photoCount: 0,
      photoType: 0,
    });
  });

  it('reads per-finger lists', () => {
    const twoFingers = successPidData
      .replace('fCount="1"', 'fCount="2"')
      .replace('nmPoints="37"', 'nmPoints="37, 41"')
      .replace('qScore="81"', 'qScore="81,77"');
    const parsed = parsePidData(twoFingers);
    expect(parsed.ok && parsed.value.kind === 'captured' && parsed.value.summary.response).toMatchObject({
      fingerCount: 2,
      qualityScores: [81, 77],
      minutiaeCounts: [37, 41],
    });
  });

  it.each([
    [successPidData.replace(/<Skey[^>]*>[^<]*<\/Skey>/, ''), 'missing-field', /no session key/],
    [successPidData.replace('ci="20291231"', 'ci=""'), 'missing-field', /no certificate id/],
    [successPidData.replace(/<Hmac>[^<]*<\/Hmac>/, '<Hmac/>'), 'missing-field', /no Hmac/],
    [successPidData.replace(/<Data type="X">[^<]*<\/Data>/, ''), 'missing-field', /no Data/],
    [successPidData.replace('type="X"', 'type="Q"'), 'invalid-field', /not X or P/],
    [successPidData.replace('aG1hYy1wbGFjZWhvbGRlcg==', 'not base64!'), 'invalid-field', /Hmac is not base64/],
    [successPidData.replace('errCode="0"', 'errCode="zero"'), 'invalid-field', /errCode "zero" is not a number/],
    [successPidData.replace('qScore="81"', 'qScore="high"'), 'invalid-field', /qScore/],
    ['<PidData><Skey/></PidData>', 'missing-field', /no <Resp>/],
    ['<PidData><Resp errInfo="x"/></PidData>', 'missing-field', /no errCode/],
    ['<Resp errCode="0"/>', 'unexpected-document', /Expected a <PidData>/],
    [successPidData.slice(0, 200), 'malformed-xml', /never closed|not closed/],
    ['<PidData><Resp errCode="0" errInfo="a & b"/></PidData>', 'malformed-xml', /"&" that does not start an entity/],
  ])('rejects a broken capture (%#) with a clear reason', (xml, problem, message) => {
    const parsed = parsePidData(xml);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.problem).toBe(problem);
    expect(parsed.error.message).toMatch(message);
  });
});

describe('errCode outcomes', () => {
  const table: ReadonlyArray<readonly [number, CaptureErrorOutcome, RegExp]> = [
    [100, 'invalid-pid-options', /rejected the capture request \(error 100: x\)/],
    [700, 'capture-timed-out', /No finger was placed on the scanner in time/],
    [710, 'device-busy', /being used by another application/],
    [720, 'device-not-ready', /not ready or not connected/],
    [730, 'capture-failed', /could not read the fingerprint/],
    [740, 'device-needs-reinitialisation', /needs to be restarted/],
    [999, 'service-internal-error', /Restart the fingerprint service/],
    [812, 'device-error', /reported a problem \(error 812: x\)/],
    // The specification's other invalid-input codes: fType, format, protobuf not supported.
    [110, 'invalid-pid-options', /rejected the capture request \(error 110: x\)/],
    [190, 'invalid-pid-options', /error 190/],
    [210, 'invalid-pid-options', /error 210/],
    [215, 'device-error', /error 215/],
  ];
  it.each(table)('maps %i to %s with an operator message', (code, outcome, message) => {
    expect(captureErrorOutcome(code)).toBe(outcome);
    expect(captureErrorMessage(outcome, code, 'x')).toMatch(message);
  });
});

describe('xml reader', () => {
  it('decodes entities, character references and CDATA; skips comments', () => {
    const root = parseXmlDocument('\ufeff<?xml version="1.0"?><!-- c --><a x="&#65;&#x42;&lt;">t<![CDATA[<raw>]]><!-- d -->&gt;</a>');
    expect(root.attributes.get('x')).toBe('AB<');
    expect(root.text).toBe('t<raw>>');
  });

  it.each([
    ['<!DOCTYPE a [<!ENTITY x "y">]><a/>', /DOCTYPE declarations are not accepted/],
    ['<a x="1" x="2"/>', /appears twice/],
    ['<a x=1/>', /not quoted/],
    ['<a/><b/>', /content found after the root element/],
    ['<a>&bogus;</a>', /unknown entity/],
    ['<a x="<"/>', /"<" inside the value/],
  ])('rejects %j', (xml, message) => {
    expect(() => parseXmlDocument(xml)).toThrow(XmlParseError);
    expect(() => parseXmlDocument(xml)).toThrow(message);
  });

  it('bounds nesting depth', () => {
    expect(() => parseXmlDocument(`${'<a>'.repeat(40)}${'</a>'.repeat(40)}`)).toThrow(/deeper than 32/);
  });
});
