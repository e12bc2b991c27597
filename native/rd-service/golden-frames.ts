/**
 * Reference documents for the protocol tests. Provenance, honestly: these are shaped after vendor
 * documentation and public integration examples (Mantra- and Morpho-style services), not captured
 * from hardware in this repository; key material is placeholder base64. Replace them with real
 * captures (with the encrypted parts scrubbed) when a device is on the bench.
 */

/** Mantra-style RDSERVICE answer: prolog, double quotes, /rd/* paths. */
export const mantraRdService = `<?xml version="1.0"?>
<RDService status="READY" info="Mantra Authentication Vendor Device Manager">
   <Interface id="DEVICEINFO" path="/rd/info" />
   <Interface id="CAPTURE" path="/rd/capture" />
</RDService>`;

/** Morpho-style: single quotes, interfaces in the other order, vendor paths. */
export const morphoRdService = `<RDService status='READY' info='Morpho_RD_Service'><Interface id='CAPTURE' path='/capture'/><Interface id='DEVICEINFO' path='/getDeviceInfo'/></RDService>`;

/** A service whose scanner is unplugged: still answers, says NOTREADY. */
export const notReadyRdService = `<RDService status="NOTREADY" info="Device not connected &amp; not ready"><Interface id="DEVICEINFO" path="/rd/info"/><Interface id="CAPTURE" path="/rd/capture"/></RDService>`;

export const mantraDeviceInfo = `<DeviceInfo dpId="MANTRA.MSIPL" rdsId="MANTRA.WIN.001" rdsVer="1.0.8" dc="6a3e4a8c-2b0f-4b1e-9f3c-0d5c7b2a1e44" mi="MFS100" mc="TUlJRUdqQ0NBd0tn">
  <additional_info>
    <Param name="srno" value="2061813" />
    <Param name="sysid" value="DESK-07" />
    <Param name="ts" value="2025-05-20T10:15:30+05:30" />
  </additional_info>
</DeviceInfo>`;

export const successPidData = `<?xml version="1.0"?>
<PidData>
  <Resp errCode="0" errInfo="Success." fCount="1" fType="2" nmPoints="37" qScore="81" />
  ${mantraDeviceInfo}
  <Skey ci="20291231">c2Vzc2lvbi1rZXktcGxhY2Vob2xkZXI=</Skey>
  <Hmac>aG1hYy1wbGFjZWhvbGRlcg==</Hmac>
  <Data type="X">ZW5jcnlwdGVkLXBpZC1wbGFjZWhvbGRlcg==</Data>
</PidData>`;

export const timedOutPidData = `<PidData><Resp errCode="700" errInfo="Capture timed out" fCount="0" fType="2" nmPoints="0" qScore="0"/><DeviceInfo/><Skey ci=""/><Hmac/><Data type="X"/></PidData>`;
