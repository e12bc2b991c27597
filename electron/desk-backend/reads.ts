import type {
  BookingStatus,
  BookingView,
  CaseListItem,
  CaseView,
  ClaimLineView,
  DeskError,
  FamilyView,
  IdentifyMatch,
  IdentifyQuery,
  MemberSummary,
  PackageView,
  PreauthStatus,
} from '../desk-api/contract';
import { lookupKeys } from '@domain/identifiers';
import { nameKey } from './applier';
import type { ReplicaDatabase } from './database';

type Doc = Record<string, unknown>;
const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0));
const str = (value: unknown): string => (typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value));
const strOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/**
 * The desk's read model, built from the replica: server rows as last confirmed, overlaid with this
 * desk's pending and rejected changes. Every figure says whether the server confirmed it and when.
 */
export class DeskReads {
  constructor(private readonly db: ReplicaDatabase) {}

  private docs(sql: string, ...params: unknown[]): Doc[] {
    return (this.db.prepare(sql).all(...params) as { doc: string }[]).map((row) => JSON.parse(row.doc) as Doc);
  }

  private doc(sql: string, ...params: unknown[]): Doc | null {
    const row = this.db.prepare(sql).get(...params) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as Doc) : null;
  }

  private pending(kind: string, id: string): { doc: Doc; state: string; rejection: DeskError | null } | null {
    const row = this.db.prepare('SELECT doc, state, rejection FROM pending_rows WHERE kind = ? AND id = ?').get(kind, id) as
      { doc: string; state: string; rejection: string | null } | undefined;
    return row ? { doc: JSON.parse(row.doc) as Doc, state: row.state, rejection: row.rejection ? (JSON.parse(row.rejection) as DeskError) : null } : null;
  }

  member(memberId: string): Doc | null {
    return this.doc('SELECT doc FROM server_members WHERE id = ?', memberId);
  }

  family(familyId: string): FamilyView | null {
    const family = this.doc('SELECT doc FROM server_families WHERE id = ?', familyId);
    if (!family) return null;
    const members = this.docs("SELECT doc FROM server_members WHERE family_id = ? ORDER BY json_extract(doc, '$.birthYear')", familyId);
    const activeCases = (Array.isArray(family.activeCases) ? family.activeCases : []) as Doc[];
    const pendingCases = this.db.prepare("SELECT id, doc FROM pending_rows WHERE kind = 'cases' AND family_id = ? AND state = 'pending'").all(familyId) as {
      id: string;
      doc: string;
    }[];
    const [pending] = this.db
      .prepare(
        "SELECT COALESCE(sum(json_extract(doc, '$.amount')), 0) AS total FROM pending_rows WHERE kind = 'bookings' AND family_id = ? AND state = 'pending'",
      )
      .all(familyId) as { total: number }[];
    const memberSummary = (member: Doc): MemberSummary => {
      const server = activeCases.find((c) => c.memberId === member.id);
      const local = pendingCases.find((c) => (JSON.parse(c.doc) as Doc).memberId === member.id);
      return {
        memberId: str(member.id),
        schemeMemberId: str(member.schemeMemberId),
        fullName: str(member.fullName),
        birthYear: num(member.birthYear),
        gender: str(member.gender),
        relation: str(member.relation),
        activeCase: server
          ? { caseId: strOrNull(server.caseId), hospitalCode: str(server.hospitalCode), isOwnHospital: server.isOwnHospital === true }
          : local
            ? { caseId: local.id, hospitalCode: 'this desk (pending)', isOwnHospital: true }
            : null,
      };
    };
    return {
      familyId,
      familyNumber: str(family.familyNumber),
      district: str(family.district),
      registeredPhoneEnding: str(family.registeredPhoneEnding),
      balance: {
        value: { cover: num(family.cover), committed: num(family.committed), available: num(family.cover) - num(family.committed) },
        confirmedAt: strOrNull(family.confirmedAt),
      },
      pendingAmount: pending?.total ?? 0,
      members: members.map(memberSummary),
      activeCases: activeCases.map((c) => ({
        caseId: strOrNull(c.caseId),
        memberId: str(c.memberId),
        hospitalCode: str(c.hospitalCode),
        isOwnHospital: c.isOwnHospital === true,
        holdAmount: num(c.holdAmount),
        preauthStatus: strOrNull(c.preauthStatus),
      })),
    };
  }

  booking(bookingId: string): BookingView | null {
    const server = this.doc('SELECT doc FROM server_bookings WHERE id = ?', bookingId);
    const voiding = this.pending('booking-void', bookingId);
    if (server) {
      const covered = num(server.coveredAmount);
      const shortfall = num(server.shortfallAmount);
      const status: BookingStatus = shortfall === 0 ? 'covered' : covered > 0 ? 'partly-covered' : 'shortfall';
      return {
        bookingId,
        caseId: str(server.caseId),
        itemCode: str(server.itemCode),
        description: str(server.description),
        quantity: num(server.quantity),
        unitPrice: num(server.unitPrice),
        amount: num(server.amount),
        coveredAmount: covered,
        shortfallAmount: shortfall,
        status,
        isVoided: server.status === 'voided' || voiding?.state === 'pending',
        reason: voiding?.state === 'rejected' ? (voiding.rejection?.message ?? null) : null,
        createdAt: str(server.createdAt),
      };
    }
    const local = this.pending('bookings', bookingId);
    if (!local) return null;
    return {
      bookingId,
      caseId: str(local.doc.caseId),
      itemCode: str(local.doc.itemCode),
      description: str(local.doc.description),
      quantity: num(local.doc.quantity),
      unitPrice: num(local.doc.unitPrice),
      amount: num(local.doc.amount),
      coveredAmount: null,
      shortfallAmount: null,
      status: local.state === 'rejected' ? 'rejected' : 'pending',
      isVoided: voiding?.state === 'pending',
      reason: local.rejection?.message ?? null,
      createdAt: str(local.doc.createdAt),
    };
  }

  caseView(caseId: string): CaseView | null {
    const server = this.doc('SELECT doc FROM server_cases WHERE id = ?', caseId);
    const local = this.pending('cases', caseId);
    const base = server ?? local?.doc;
    if (!base) return null;
    const member = this.member(str(base.memberId));
    const statusChange = this.pending('case-status', caseId);
    const preauth = this.doc('SELECT doc FROM server_preauths WHERE case_id = ?', caseId);
    const pendingPreauth = this.pending('preauths', caseId);
    const hold = this.doc('SELECT doc FROM server_holds WHERE case_id = ?', caseId);
    const bookingIds = new Set<string>([
      ...(this.db.prepare("SELECT id FROM server_bookings WHERE case_id = ? ORDER BY json_extract(doc, '$.createdAt')").all(caseId) as { id: string }[]).map(
        (r) => r.id,
      ),
      ...(this.db.prepare("SELECT id FROM pending_rows WHERE kind = 'bookings' AND case_id = ? ORDER BY rowid").all(caseId) as { id: string }[]).map(
        (r) => r.id,
      ),
    ]);
    const bookings = [...bookingIds].map((id) => this.booking(id)).filter((b): b is BookingView => b !== null);
    const packageCode = strOrNull(preauth?.packageCode ?? pendingPreauth?.doc.packageCode);
    const treatmentPackage = packageCode ? this.doc('SELECT doc FROM server_packages WHERE id = ?', packageCode) : null;
    const preauthStatus: PreauthStatus = preauth
      ? (str(preauth.status) as PreauthStatus)
      : pendingPreauth
        ? pendingPreauth.state === 'rejected'
          ? 'rejected'
          : 'pending-sync'
        : 'not-requested';
    const enhancements = [
      ...this.docs('SELECT doc FROM server_enhancements WHERE case_id = ?', caseId).map((e) => ({
        enhancementId: str(e.id),
        requestedAmount: num(e.requestedAmount),
        approvedAmount: numOrNull(e.approvedAmount),
        status: str(e.status),
        reason: str(e.reason),
        decisionReason: strOrNull(e.decisionReason),
      })),
      ...(
        this.db.prepare("SELECT id, doc, state, rejection FROM pending_rows WHERE kind = 'enhancements' AND case_id = ?").all(caseId) as {
          id: string;
          doc: string;
          state: string;
          rejection: string | null;
        }[]
      ).map((row) => {
        const d = JSON.parse(row.doc) as Doc;
        const refusal = row.rejection ? strOrNull((JSON.parse(row.rejection) as Doc).message) : null;
        return {
          enhancementId: row.id,
          requestedAmount: num(d.amount),
          approvedAmount: null,
          status: row.state === 'rejected' ? 'rejected' : 'pending-sync',
          reason: str(d.reason),
          decisionReason: refusal,
        };
      }),
    ];
    const claim = this.doc('SELECT doc FROM server_claims WHERE case_id = ?', caseId);
    const pendingClaim = this.db.prepare("SELECT id, doc, state, rejection FROM pending_rows WHERE kind = 'claims' AND case_id = ?").get(caseId) as
      { id: string; doc: string; state: string; rejection: string | null } | undefined;
    const rejection = local?.state === 'rejected' ? local.rejection : null;
    // Admitted when the operator admitted the patient: for this desk's own admissions, the time its
    // admit command was queued (case_admissions, replica migration 5: kept after the outbox row is
    // pruned), not the server's receipt.
    const admittedHere = this.db.prepare('SELECT admitted_at AS createdAt FROM case_admissions WHERE case_id = ?').get(caseId) as
      { createdAt: string } | undefined;
    const serverAdmittedAt = server ? strOrNull(server.admittedAt) : null;
    const status: CaseView['status'] = rejection
      ? 'rejected'
      : statusChange?.state === 'pending'
        ? (str(statusChange.doc.status) as CaseView['status'])
        : server
          ? (str(server.status) as CaseView['status'])
          : 'pending-sync';
    return {
      caseId,
      memberId: str(base.memberId),
      familyId: str(base.familyId),
      memberName: str(member?.fullName),
      schemeMemberId: str(member?.schemeMemberId),
      status,
      rejection,
      identityMethod: str(base.identityMethod),
      isEmergency: base.isEmergency === true,
      admittedAt: admittedHere?.createdAt ?? str(base.admittedAt),
      serverAdmittedAt,
      preauth: {
        status: preauthStatus,
        packageCode,
        packageName: strOrNull(treatmentPackage?.name),
        requestedAmount: numOrNull(preauth?.requestedAmount ?? pendingPreauth?.doc.requestedAmount),
        approvedAmount: numOrNull(preauth?.approvedAmount),
        queryReason: strOrNull(preauth?.queryReason),
        decisionReason: strOrNull(preauth?.decisionReason ?? (pendingPreauth?.state === 'rejected' ? pendingPreauth.rejection?.message : null)),
        // What the cover could not hold: under cost sharing the hold is the plan's part, and the
        // patient's estimated part (kept on the hold) is theirs by the plan's design, not shortfall.
        shortfall: preauth && hold ? Math.max(0, num(preauth.requestedAmount) - num(hold.amount) - num(hold.costShareEstimate)) : null,
      },
      hold: hold
        ? {
            value: { amount: num(hold.amount), consumed: num(hold.consumed), authorized: num(hold.authorized), patientEstimate: num(hold.costShareEstimate) },
            confirmedAt: strOrNull(hold.confirmedAt),
          }
        : null,
      bookings,
      bookingSum: bookings.filter((b) => !b.isVoided && b.status !== 'rejected').reduce((sum, b) => sum + b.amount, 0),
      enhancements,
      claim: claim
        ? {
            claimId: str(claim.id),
            amount: num(claim.amount),
            status: str(claim.status),
            approvedAmount: numOrNull(claim.approvedAmount),
            rejection: null,
            lines: this.claimLines(claim.lines, bookings),
          }
        : pendingClaim
          ? {
              claimId: pendingClaim.id,
              amount: num((JSON.parse(pendingClaim.doc) as Doc).amount),
              status: pendingClaim.state === 'rejected' ? 'rejected' : 'pending-sync',
              approvedAmount: null,
              // The server's sentence, with its figures (a mismatch names the difference): shown as it said it.
              rejection: pendingClaim.state === 'rejected' && pendingClaim.rejection ? (JSON.parse(pendingClaim.rejection) as DeskError) : null,
              lines: [],
            }
          : null,
    };
  }

  /** The claim row's lines (from the server), named by their bookings. */
  private claimLines(lines: unknown, bookings: readonly BookingView[]): ClaimLineView[] {
    if (!Array.isArray(lines)) return [];
    const decisions = new Set(['full', 'partial', 'deny']);
    return (lines as Doc[]).map((line) => {
      const bookingId = str(line.bookingId);
      const decision = strOrNull(line.decision);
      return {
        bookingId,
        description: bookings.find((b) => b.bookingId === bookingId)?.description ?? '',
        payerAmount: num(line.payerAmount),
        approvedAmount: numOrNull(line.approvedAmount),
        decision: decision && decisions.has(decision) ? (decision as ClaimLineView['decision']) : null,
        reasonCode: strOrNull(line.reasonCode),
      };
    });
  }

  caseIds(): string[] {
    return (this.db.prepare("SELECT id FROM server_cases UNION SELECT id FROM pending_rows WHERE kind = 'cases'").all() as { id: string }[]).map((r) => r.id);
  }

  caseListItem(caseId: string): CaseListItem | null {
    const view = this.caseView(caseId);
    if (!view) return null;
    const hasPendingChanges = Boolean(
      this.db.prepare("SELECT 1 FROM pending_rows WHERE (case_id = ? OR id = ?) AND state = 'pending' LIMIT 1").get(caseId, caseId),
    );
    return {
      caseId,
      memberName: view.memberName,
      schemeMemberId: view.schemeMemberId,
      status: view.status,
      preauthStatus: view.preauth.status,
      packageCode: view.preauth.packageCode,
      holdAmount: view.hold?.value.amount ?? null,
      bookingSum: view.bookingSum,
      admittedAt: view.admittedAt,
      hasPendingChanges,
    };
  }

  caseList(filter: { status?: CaseView['status'] | 'all'; search?: string }): CaseListItem[] {
    const search = filter.search ? nameKey(filter.search) : null;
    return this.caseIds()
      .map((id) => this.caseListItem(id))
      .filter((item): item is CaseListItem => item !== null)
      .filter((item) => !filter.status || filter.status === 'all' || item.status === filter.status)
      .filter((item) => !search || nameKey(item.memberName).includes(search) || item.schemeMemberId.toLowerCase().includes(search))
      .sort((a, b) => b.admittedAt.localeCompare(a.admittedAt));
  }

  packages(search?: string): PackageView[] {
    const needle = search?.trim().toLowerCase();
    return this.docs('SELECT doc FROM server_packages ORDER BY id')
      .map((p) => ({
        code: str(p.code),
        name: str(p.name),
        specialty: str(p.specialty),
        isUnspecified: p.isUnspecified === true,
        price: num(p.price),
        version: num(p.version),
      }))
      .filter((p) => !needle || p.code.toLowerCase().includes(needle) || p.name.toLowerCase().includes(needle) || p.specialty.toLowerCase().includes(needle));
  }

  packageView(code: string): PackageView | null {
    return this.packages().find((p) => p.code === code) ?? null;
  }

  /**
   * Offline search by a member's linked identifier (issue 16, replica migration 13): the keys the
   * text may be (domain/identifiers.ts lookupKeys: a national ID QR's NID:issuer:reference, a
   * health account number, this hospital's patient number, a state card of any state), most
   * specific first; the first key that finds members answers.
   */
  identifyLinked(text: string, hospitalId: string | null): IdentifyMatch[] {
    const find = this.db.prepare(
      'SELECT DISTINCT member_id AS id, family_id FROM member_identifiers WHERE kind = ? AND (? IS NULL OR issuer = ?) AND value = ?',
    );
    for (const key of lookupKeys(text, hospitalId)) {
      const rows = find.all(key.kind, key.issuer, key.issuer, key.value) as { id: string; family_id: string }[];
      if (rows.length > 0) return this.matchesOf(rows);
    }
    return [];
  }

  private matchesOf(rows: readonly { id: string; family_id: string }[]): IdentifyMatch[] {
    return rows.flatMap((row) => {
      const family = this.family(row.family_id);
      const member = family?.members.find((m) => m.memberId === row.id);
      return family && member ? [{ member, familyId: family.familyId, familyNumber: family.familyNumber }] : [];
    });
  }

  /** Offline search of the replicated registry. National ids are never on the desk: online only. */
  identify(query: IdentifyQuery): IdentifyMatch[] {
    let rows: { id: string; family_id: string }[];
    switch (query.by) {
      case 'scheme-id':
        rows = this.db.prepare('SELECT id, family_id FROM member_search WHERE scheme_member_id = ?').all(query.value.trim().toUpperCase()) as typeof rows;
        break;
      case 'health-card':
        rows = this.db.prepare('SELECT id, family_id FROM member_search WHERE health_card_number = ?').all(query.value.trim().toUpperCase()) as typeof rows;
        break;
      case 'name':
        rows = (
          query.birthYear
            ? this.db
                .prepare('SELECT id, family_id FROM member_search WHERE name_key LIKE ? AND birth_year = ? LIMIT 50')
                .all(`%${nameKey(query.value)}%`, query.birthYear)
            : this.db.prepare('SELECT id, family_id FROM member_search WHERE name_key LIKE ? LIMIT 50').all(`%${nameKey(query.value)}%`)
        ) as typeof rows;
        break;
      case 'national-id':
        return [];
    }
    return this.matchesOf(rows);
  }
}
