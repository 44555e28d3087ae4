// Package payments is the domain of the payments subgraph: pagoPA debt
// positions (GPD "posizioni debitorie") owed to the comuni of the
// metropolitan city, their installments with notice numbers and IUVs, and
// their payment through a payment-service provider.
//
// Model. A [Position] is created as a DRAFT by an operator of the creditor
// comune, then published: every installment receives an IUV and an 18-digit
// notice number (codice avviso) from the creditor's sequence, and the
// position becomes VALID (PUBLISHED while its validity date lies ahead).
// Paying installments moves it to PARTIALLY_PAID and PAID; an unpaid
// position may be INVALIDated. Amounts are int64 euro cents everywhere.
//
// Notice numbers follow the pagoPA layout for aux digit 3:
//
//	3 <segregation code, 2 digits> <IUV, 15 digits>
//	IUV = <IUV base, 13 digits> <check digits, 2>
//	check digits = (3 · segregation code · IUV base, read as one number) mod 93
//
// This package uses segregation code 01 and lays the IUV base out as
// <kind, 1 digit> <comune, 3 digits: the ISTAT progressive> <serial, 9 digits>,
// kinds 1 (seeded practice fees), 2 (seeded TARI), 3 (seeded IMU) and 5
// (positions published at run time, serial from the creditor's sequence),
// so notice numbers are unique across every creditor and every source.
//
// Creditors. A creditor is a comune; its fiscal code is a documented
// placeholder ([PlaceholderFiscalCode]: "99" + ISTAT code + "99" + check
// digit), never the comune's real fiscal code. A deployment stores the real
// codes in the creditors table.
//
// Authorization (decided here, never in resolvers; authz.go):
//   - reading a position: its debtor (principal fiscal code equals the
//     debtor fiscal code), a delegate of the debtor whose delegation covers
//     PAYMENTS for every service (asked of the identity subgraph's
//     [Registry] once per operation), operators of the creditor comune,
//     admins; anyone else gets NOT_FOUND, as for an unknown IUPD;
//   - reading an installment by notice number: the same callers in full;
//     anyone else must also give the debtor's fiscal code, as pagoPA's
//     checkout asks, and then sees no receipt and no position;
//   - creating, publishing, invalidating: operators of the comune, admins;
//     the debtor id and fiscal code must name one registered person, and
//     the practice, if any, must be the debtor's in the comune
//     ([Practices]);
//   - paying: those who may read the installment in full, or anyone giving
//     the debtor's fiscal code (pagoPA lets anyone pay a notice, e.g. a
//     relative); the payer, from the token, is recorded;
//   - third-party tokens need payments:read or payments:write.
//
// Events (events.go, sweep.go; internal/bus): a practice submitted for a
// service with a fee (practice.submitted) becomes a published position for
// the applicant, linked to the practice; publishing, full payment,
// invalidation and expiry publish payment.position_published,
// payment.position_paid and payment.position_closed in the same
// transaction; Store.Sweep reminds unpaid notices near their due date
// (payment.notice_due_soon) and expires practices' positions past it.
//
// Payments are idempotent by a client-chosen key: the installment row is
// locked, the key is claimed in the same transaction, and only then is the
// [PSP] asked to charge, so retries and concurrent attempts charge once.
package payments
