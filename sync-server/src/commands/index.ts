import { registerFamily } from './families';
import { setPackagePrice } from './packages';
import { setDocumentRequirements } from '../documents/requirements';
import { configureDesk, registerDesk, revokeDesk } from './desks';
import { afterUpdateOperator, createOperator, updateOperator } from './operators';
import { addBooking, cancelCase, discharge, voidBooking } from './bookings';
import { approvePayment, processClaim, submitClaim, verifyClaim } from './claims';
import type { AfterCommitEffects, CommandHandlers } from './context';
import { approveUnspecified, decideEnhancement, decidePreauth, recommendPreauth, requestEnhancement } from './decisions';
import { admit } from './admission';
import { admitEmergency, mergeEmergencyCase } from './emergencies';
import { requestPreauth, respondQuery } from './preauth';
import { identifyMember } from '../identity/identify-member';
import { reviewOverride, sendOtp, verifyOtp } from '../identity/otp';
import { enrollFace, enrollFingerprint, requestEnrolmentReplacement, reviewEnrolmentReplacement } from '../identity/biometrics';
import { afterSetSchemeParameters, registerHospital, setSchemeParameters } from './scheme';
import { issueECard, reissueECard, revokeECard } from '../ecards/commands';
import { linkIdentifier, unlinkIdentifier } from '../identifiers/commands';
import { grantHistoryConsent } from '../member-record/consent';
import { admitPendingEnrolment, decideFamilyChange, registerFamilyMember } from '../family-changes/commands';
import { decideSecondaryClaimCommand, recordSecondaryRemittanceCommand, refundPayment, takePayment } from './patient-payments';

/** Every command handler, in one typed map: adding a command to the contract without a handler fails to compile. */
export const handlers: CommandHandlers = {
  'identify-member': identifyMember,
  admit: admit,
  'admit-emergency': admitEmergency,
  'merge-emergency-case': mergeEmergencyCase,
  'register-family-member': registerFamilyMember,
  'admit-pending-enrolment': admitPendingEnrolment,
  'decide-family-change': decideFamilyChange,
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
  'set-document-requirements': setDocumentRequirements,
  'create-operator': createOperator,
  'configure-desk': configureDesk,
  'send-otp': sendOtp,
  'verify-otp': verifyOtp,
  'review-override': reviewOverride,
  'enroll-fingerprint': enrollFingerprint,
  'enroll-face': enrollFace,
  'request-enrolment-replacement': requestEnrolmentReplacement,
  'review-enrolment-replacement': reviewEnrolmentReplacement,
  'register-hospital': registerHospital,
  'register-desk': registerDesk,
  'revoke-desk': revokeDesk,
  'update-operator': updateOperator,
  'set-scheme-parameters': setSchemeParameters,
  'take-payment': takePayment,
  'refund-payment': refundPayment,
  'decide-secondary-claim': decideSecondaryClaimCommand,
  'record-secondary-remittance': recordSecondaryRemittanceCommand,
  'grant-history-consent': grantHistoryConsent,
  'issue-e-card': issueECard,
  'revoke-e-card': revokeECard,
  'reissue-e-card': reissueECard,
  'link-identifier': linkIdentifier,
  'unlink-identifier': unlinkIdentifier,
};

/** The commands with an effect of their own once committed in this process (see AfterCommit). */
export const afterCommitEffects: AfterCommitEffects = {
  'set-scheme-parameters': afterSetSchemeParameters,
  'update-operator': afterUpdateOperator,
};
