"""The platform's own RFC 3161 timestamp authority.

pyHanko's ``DummyTimeStamper`` is for tests (a foreign policy OID, SHA-1 ESSCertID, no accuracy);
this one builds the TSTInfo itself and lets any pyHanko ``Signer`` sign it, so the TSA key could
live in an HSM later. Time comes from the injected ``Clock``: the server's clock is the only clock.
"""

from __future__ import annotations

import asyncio
import uuid

from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from pyhanko.sign import signers
from pyhanko.sign.timestamps import TimeStamper

from core.clock import Clock

# An OID under the 2.25 arc (ITU-T X.667: a UUID as an OID, no registration needed) naming
# sealbid's timestamp policy: accuracy one second, server clock, SHA-2 imprints only.
POLICY_OID = "2.25.72261462391346204161189710856448152644"
ALLOWED_DIGESTS = {"sha256", "sha384", "sha512"}


class PlatformTimeStamper(TimeStamper):
    """Answers timestamp requests in-process; also served over HTTP at /tsa for other clients."""

    def __init__(self, tsa_signer: signers.Signer, clock: Clock) -> None:
        super().__init__(include_nonce=True)
        self.tsa_signer = tsa_signer
        self.clock = clock

    def respond(self, request: tsp.TimeStampReq) -> tsp.TimeStampResp:
        """Synchronous entry point for the HTTP endpoint."""
        return asyncio.run(self.async_request_tsa_response(request))

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        imprint = req["message_imprint"]
        if imprint["hash_algorithm"]["algorithm"].native not in ALLOWED_DIGESTS:
            return tsp.TimeStampResp({"status": {"status": "rejection", "fail_info": {"bad_alg"}}})
        info = {
            "version": "v1",
            "policy": POLICY_OID,
            "message_imprint": imprint,
            # RFC 3161 wants a unique serial; 122 random bits are unique without coordinating workers.
            "serial_number": uuid.uuid4().int,
            "gen_time": self.clock.now(),
            "accuracy": {"seconds": 1},
            "ordering": False,
            "tsa": asn1_x509.GeneralName(name="directory_name", value=self.tsa_signer.signing_cert.subject),
        }
        if req["nonce"].native is not None:
            info["nonce"] = req["nonce"]
        content = cms.EncapsulatedContentInfo(
            {"content_type": "tst_info", "content": cms.ParsableOctetString(tsp.TSTInfo(info).dump())}
        )
        token = await self.tsa_signer.async_sign_general_data(content, "sha256", detached=False)
        return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})
