import { configureDesk, createOperator, registerFamily, setPackagePrice } from './administration';
import { addBooking, cancelCase, discharge, voidBooking } from './bookings';
import { approvePayment, processClaim, submitClaim, verifyClaim } from './claims';
import type { CommandHandlers } from './context';
import { approveUnspecified, decideEnhancement, decidePreauth, recommendPreauth, requestEnhancement } from './decisions';
import { admit, requestPreauth, respondQuery } from './identity-and-admission';
import { identifyMember } from '../identity/identify-member';
import { reviewOverride, sendOtp, verifyOtp } from '../identity/otp';
import { enrollFace, enrollFingerprint } from '../identity/biometrics';
import { registerDesk, registerHospital, revokeDesk, setSchemeParameters, updateOperator } from './scheme-administration';

/** Every command handler, in one typed map: adding a command to the contract without a handler fails to compile. */
export const handlers: CommandHandlers = {
  'identify-member': identifyMember,
  admit: admit,
  'request-preauth': requestPreauth,
  'respond-query': respondQuery,
  'decide-preauth': decidePreauth,
  'recommend-preauth': recommendPreauth,
  'approve-unspecified': approveUnspecified,
  'request-enhancement': requestEnhancement,
  'decide-enhancement': decideEnhancement,
  'add-booking': addBooking,
  'void-booking': voidBooking,
  discharge: discharge,
  'submit-claim': submitClaim,
  'process-claim': processClaim,
  'verify-claim': verifyClaim,
  'approve-payment': approvePayment,
  'cancel-case': cancelCase,
  'register-family': registerFamily,
  'set-package-price': setPackagePrice,
  'create-operator': createOperator,
  'configure-desk': configureDesk,
  'send-otp': sendOtp,
  'verify-otp': verifyOtp,
  'review-override': reviewOverride,
  'enroll-fingerprint': enrollFingerprint,
  'enroll-face': enrollFace,
  'register-hospital': registerHospital,
  'register-desk': registerDesk,
  'revoke-desk': revokeDesk,
  'update-operator': updateOperator,
  'set-scheme-parameters': setSchemeParameters,
};
