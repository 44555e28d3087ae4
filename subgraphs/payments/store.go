package payments

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/citizengraph/citizengraph/internal/apperr"
)

// querier is what the store needs of a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Store reads and writes the payments schema.
type Store struct {
	pool *pgxpool.Pool
}

// NewStore returns a store on pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

const positionCols = `p.iupd, p.creditor_fiscal_code, c.name, p.comune, p.debtor_id, p.debtor_fiscal_code,
	p.debtor_name, coalesce(p.practice_id, ''), p.description, p.status, p.created_at, p.published_at,
	p.validity_date, p.total_cents, p.paid_cents`

const positionFrom = ` from payments.positions p join payments.creditors c on c.fiscal_code = p.creditor_fiscal_code`

func scanPosition(row pgx.Row, extra ...any) (Position, error) {
	var p Position
	dest := []any{&p.IUPD, &p.Creditor.FiscalCode, &p.Creditor.Name, &p.Comune, &p.DebtorID, &p.DebtorFiscalCode,
		&p.DebtorName, &p.PracticeID, &p.Description, &p.Status, &p.CreatedAt, &p.PublishedAt,
		&p.ValidityDate, &p.TotalCents, &p.PaidCents}
	err := row.Scan(append(dest, extra...)...)
	p.Creditor.IstatCode = p.Comune
	return p, err
}

// PositionsByIUPD returns the positions with the given IUPDs, in one query,
// keyed by IUPD.
func (s *Store) PositionsByIUPD(ctx context.Context, iupds []string) (map[string]Position, error) {
	const op = "payments.Store.PositionsByIUPD"
	rows, err := s.pool.Query(ctx, `select `+positionCols+positionFrom+` where p.iupd = any($1)`, iupds)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	defer rows.Close()
	out := make(map[string]Position, len(iupds))
	for rows.Next() {
		p, err := scanPosition(rows)
		if err != nil {
			return nil, apperr.Wrap(op, err)
		}
		out[p.IUPD] = p
	}
	return out, apperr.Wrap(op, rows.Err())
}

// PositionsByPractice returns the positions attached to the given practices,
// oldest first, keyed by practice id.
func (s *Store) PositionsByPractice(ctx context.Context, practiceIDs []string) (map[string][]Position, error) {
	const op = "payments.Store.PositionsByPractice"
	rows, err := s.pool.Query(ctx, `select `+positionCols+positionFrom+
		` where p.practice_id = any($1) order by p.created_at, p.iupd`, practiceIDs)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	defer rows.Close()
	out := make(map[string][]Position, len(practiceIDs))
	for rows.Next() {
		p, err := scanPosition(rows)
		if err != nil {
			return nil, apperr.Wrap(op, err)
		}
		out[p.PracticeID] = append(out[p.PracticeID], p)
	}
	return out, apperr.Wrap(op, rows.Err())
}

// PracticePayments returns, with one statement, the positions of each
// practice id — every one, as [Store.PositionsByPractice] — and the
// installments (with receipts) of those of them within sc, keyed by IUPD:
// the installments of a position outside sc are not read.
func (s *Store) PracticePayments(ctx context.Context, practiceIDs []string, sc Scope) (map[string][]Position, map[string][]Installment, error) {
	const op = "payments.Store.PracticePayments"
	fc, comuni := sc.FiscalCodes, sc.Comuni
	if fc == nil {
		fc = []string{}
	}
	if comuni == nil {
		comuni = []string{}
	}
	rows, err := s.pool.Query(ctx, `select `+positionCols+`, x.*`+positionFrom+`
		left join lateral (select `+installmentCols+` from payments.installments i
			left join payments.receipts r on r.notice_number = i.notice_number
			where i.position_iupd = p.iupd and `+scopeSQL(2)+`) x on true
		where p.practice_id = any($1) order by p.created_at, p.iupd, x.seq`, practiceIDs, sc.All, fc, comuni)
	if err != nil {
		return nil, nil, apperr.Wrap(op, err)
	}
	defer rows.Close()
	positions := make(map[string][]Position, len(practiceIDs))
	installments := map[string][]Installment{}
	ps := newPositionInstallmentScanner(rows)
	var last []byte
	for rows.Next() {
		// A position's columns are scanned from the first of its rows.
		raw := rows.RawValues()
		repeated := last != nil && bytes.Equal(raw[0], last)
		p, in, err := ps.scan(rows, repeated)
		if err != nil {
			return nil, nil, apperr.Wrap(op, err)
		}
		if !repeated {
			last = append(last[:0], raw[0]...)
			positions[p.PracticeID] = append(positions[p.PracticeID], p)
		}
		if in != nil {
			installments[in.PositionIUPD] = append(installments[in.PositionIUPD], *in)
		}
	}
	return positions, installments, apperr.Wrap(op, rows.Err())
}

// positionInstallmentScanner scans rows of a position followed by the
// columns of installmentCols, all null when the row carries no
// installment.
type positionInstallmentScanner struct {
	iupd, notice, iuv, descr, tax, status, cfc, dfc, comune pgtype.Text
	seq                                                     pgtype.Int4
	amount                                                  pgtype.Int8
	due                                                     pgtype.Date
	rid, pspID, pspName, method, payer                      pgtype.Text
	paidAt                                                  pgtype.Timestamptz
	ramount, fee                                            pgtype.Int8
	tail, repeat                                            []any
}

func newPositionInstallmentScanner(rows pgx.Rows) *positionInstallmentScanner {
	sc := &positionInstallmentScanner{}
	sc.tail = []any{&sc.iupd, &sc.seq, &sc.notice, &sc.iuv, &sc.amount, &sc.descr, &sc.due, &sc.tax, &sc.status, &sc.cfc,
		&sc.rid, &sc.pspID, &sc.pspName, &sc.method, &sc.paidAt, &sc.ramount, &sc.fee, &sc.payer, &sc.dfc, &sc.comune}
	n := len(rows.FieldDescriptions())
	sc.repeat = append(make([]any, n-len(sc.tail), n), sc.tail...) // nil for the position's columns
	return sc
}

// scan scans the current row: the position too unless repeated (the
// row's position is the previous row's), and its installment, if any.
func (sc *positionInstallmentScanner) scan(rows pgx.Rows, repeated bool) (Position, *Installment, error) {
	var p Position
	var err error
	if repeated {
		err = rows.Scan(sc.repeat...)
	} else {
		p, err = scanPosition(rows, sc.tail...)
	}
	if err != nil || !sc.iupd.Valid {
		return p, nil, err
	}
	in := &Installment{PositionIUPD: sc.iupd.String, Seq: int(sc.seq.Int32), NoticeNumber: sc.notice.String, IUV: sc.iuv.String,
		AmountCents: sc.amount.Int64, Description: sc.descr.String, DueDate: sc.due.Time, TaxonomyCode: sc.tax.String,
		Status: InstallmentStatus(sc.status.String), CreditorFiscalCode: sc.cfc.String, DebtorFiscalCode: sc.dfc.String,
		Comune: sc.comune.String}
	if sc.rid.Valid {
		in.Receipt = &Receipt{ReceiptID: sc.rid.String, NoticeNumber: in.NoticeNumber, PSPID: sc.pspID.String,
			PSPName: sc.pspName.String, Method: Method(sc.method.String), PaidAt: sc.paidAt.Time, AmountCents: sc.ramount.Int64,
			FeeCents: sc.fee.Int64, PayerFiscalCode: sc.payer.String}
	}
	return p, in, nil
}

const installmentCols = `i.position_iupd, i.seq, coalesce(i.notice_number, ''), coalesce(i.iuv, ''), i.amount_cents,
	i.description, i.due_date, i.taxonomy_code, i.status, p.creditor_fiscal_code,
	r.receipt_id, r.psp_id, r.psp_name, r.method, r.paid_at, r.amount_cents, r.fee_cents, r.payer_fiscal_code,
	p.debtor_fiscal_code, p.comune`

const installmentFrom = ` from payments.installments i
	join payments.positions p on p.iupd = i.position_iupd
	left join payments.receipts r on r.notice_number = i.notice_number`

func scanInstallment(row pgx.Row) (Installment, error) {
	var (
		in                                 Installment
		rid, pspID, pspName, method, payer *string
		paidAt                             *time.Time
		ramount, fee                       *int64
	)
	err := row.Scan(&in.PositionIUPD, &in.Seq, &in.NoticeNumber, &in.IUV, &in.AmountCents,
		&in.Description, &in.DueDate, &in.TaxonomyCode, &in.Status, &in.CreditorFiscalCode,
		&rid, &pspID, &pspName, &method, &paidAt, &ramount, &fee, &payer, &in.DebtorFiscalCode, &in.Comune)
	if err != nil {
		return in, err
	}
	if rid != nil {
		in.Receipt = &Receipt{ReceiptID: *rid, NoticeNumber: in.NoticeNumber, PSPID: *pspID, PSPName: *pspName,
			Method: Method(*method), PaidAt: *paidAt, AmountCents: *ramount, FeeCents: *fee, PayerFiscalCode: *payer}
	}
	return in, nil
}

// InstallmentsByPosition returns the installments (with receipts) of the
// given positions in one query, keyed by IUPD, in installment order.
func (s *Store) InstallmentsByPosition(ctx context.Context, iupds []string) (map[string][]Installment, error) {
	const op = "payments.Store.InstallmentsByPosition"
	rows, err := s.pool.Query(ctx, `select `+installmentCols+installmentFrom+
		` where i.position_iupd = any($1) order by i.position_iupd, i.seq`, iupds)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	defer rows.Close()
	out := make(map[string][]Installment, len(iupds))
	for rows.Next() {
		in, err := scanInstallment(rows)
		if err != nil {
			return nil, apperr.Wrap(op, err)
		}
		out[in.PositionIUPD] = append(out[in.PositionIUPD], in)
	}
	return out, apperr.Wrap(op, rows.Err())
}

// InstallmentByNotice returns the installment with the notice number.
func (s *Store) InstallmentByNotice(ctx context.Context, notice string) (Installment, error) {
	const op = "payments.Store.InstallmentByNotice"
	in, err := scanInstallment(s.pool.QueryRow(ctx, `select `+installmentCols+installmentFrom+` where i.notice_number = $1`, notice))
	if errors.Is(err, pgx.ErrNoRows) {
		return in, apperr.E(op, apperr.NotFound, "no installment with this notice number")
	}
	return in, apperr.Wrap(op, err)
}

// PageQuery selects one page of positions of many people.
type PageQuery struct {
	Status *PositionStatus
	First  int
	After  string // opaque cursor, "" for the first page
	Scope  Scope
	// NoCount skips counting the positions (totalCount not selected):
	// the pages' TotalCount stays 0.
	NoCount bool
}

type cursor struct {
	createdAt time.Time
	iupd      string
}

// EncodeCursor returns the opaque keyset cursor of a position.
func EncodeCursor(p Position) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(p.CreatedAt.UnixMicro(), 10) + ":" + p.IUPD))
}

func decodeCursor(s string) (cursor, error) {
	const op = "payments.decodeCursor"
	bad := apperr.E(op, apperr.Invalid, "malformed cursor")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	ts, iupd, ok := strings.Cut(string(b), ":")
	if !ok || iupd == "" {
		return cursor{}, bad
	}
	us, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return cursor{}, bad
	}
	return cursor{createdAt: time.UnixMicro(us).UTC(), iupd: iupd}, nil
}

// scopeSQL is the visibility predicate; $n.. are all, fiscal code, comuni.
func scopeSQL(n int) string {
	return fmt.Sprintf("($%d or p.debtor_fiscal_code = any($%d) or p.comune = any($%d))", n, n+1, n+2)
}

// PeoplePages returns one page of positions for each person, newest first,
// with two queries whatever the number of people: a count and a lateral
// page query (the count only unless q.NoCount).
func (s *Store) PeoplePages(ctx context.Context, personIDs []string, q PageQuery) (map[string]*Page, error) {
	const op = "payments.Store.PeoplePages"
	var after *cursor
	if q.After != "" {
		c, err := decodeCursor(q.After)
		if err != nil {
			return nil, err
		}
		after = &c
	}
	var status *string
	if q.Status != nil {
		st := string(*q.Status)
		status = &st
	}
	fc := q.Scope.FiscalCodes
	if fc == nil {
		fc = []string{}
	}
	comuni := q.Scope.Comuni
	if comuni == nil {
		comuni = []string{}
	}
	out := make(map[string]*Page, len(personIDs))
	for _, id := range personIDs {
		out[id] = &Page{}
	}
	if !q.NoCount {
		rows, err := s.pool.Query(ctx, `select p.debtor_id, count(*) from payments.positions p
			where p.debtor_id = any($1) and ($2::text is null or p.status = $2) and `+scopeSQL(3)+`
			group by p.debtor_id`, personIDs, status, q.Scope.All, fc, comuni)
		if err != nil {
			return nil, apperr.Wrap(op, err)
		}
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, apperr.Wrap(op, err)
			}
			out[id].TotalCount = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, apperr.Wrap(op, err)
		}
	}
	var afterAt *time.Time
	var afterIUPD string
	if after != nil {
		afterAt, afterIUPD = &after.createdAt, after.iupd
	}
	rows, err := s.pool.Query(ctx, `select k.id, x.* from unnest($1::text[]) as k(id)
		cross join lateral (
			select `+positionCols+positionFrom+`
			where p.debtor_id = k.id and ($2::text is null or p.status = $2) and `+scopeSQL(3)+`
			  and ($6::timestamptz is null or (p.created_at, p.iupd) < ($6, $7))
			order by p.created_at desc, p.iupd desc
			limit $8
		) x`, personIDs, status, q.Scope.All, fc, comuni, afterAt, afterIUPD, q.First+1)
	if err != nil {
		return nil, apperr.Wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		pos, err := scanPositionWithKey(rows, &id)
		if err != nil {
			return nil, apperr.Wrap(op, err)
		}
		pg := out[id]
		if len(pg.Positions) == q.First {
			pg.HasNextPage = true
			continue
		}
		pg.Positions = append(pg.Positions, pos)
		pg.Cursors = append(pg.Cursors, EncodeCursor(pos))
	}
	return out, apperr.Wrap(op, rows.Err())
}

func scanPositionWithKey(rows pgx.Rows, key *string) (Position, error) {
	var p Position
	err := rows.Scan(key, &p.IUPD, &p.Creditor.FiscalCode, &p.Creditor.Name, &p.Comune, &p.DebtorID, &p.DebtorFiscalCode,
		&p.DebtorName, &p.PracticeID, &p.Description, &p.Status, &p.CreatedAt, &p.PublishedAt,
		&p.ValidityDate, &p.TotalCents, &p.PaidCents)
	p.Creditor.IstatCode = p.Comune
	return p, err
}

// CreditorByComune returns the creditor of a comune.
func (s *Store) CreditorByComune(ctx context.Context, istat string) (Creditor, error) {
	const op = "payments.Store.CreditorByComune"
	c := Creditor{IstatCode: istat}
	err := s.pool.QueryRow(ctx, `select fiscal_code, name from payments.creditors where istat_code = $1`, istat).Scan(&c.FiscalCode, &c.Name)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, apperr.E(op, apperr.NotFound, "the comune is not a registered creditor")
	}
	return c, apperr.Wrap(op, err)
}

// EnsureCreditors registers creditors that are missing; existing rows (and
// their sequences) are kept.
func (s *Store) EnsureCreditors(ctx context.Context, cs []Creditor) error {
	return ensureCreditors(ctx, s.pool, cs)
}

func ensureCreditors(ctx context.Context, q querier, cs []Creditor) error {
	fcs, istats, names := make([]string, len(cs)), make([]string, len(cs)), make([]string, len(cs))
	for i, c := range cs {
		fcs[i], istats[i], names[i] = c.FiscalCode, c.IstatCode, c.Name
	}
	_, err := q.Exec(ctx, `insert into payments.creditors (fiscal_code, istat_code, name)
		select * from unnest($1::text[], $2::text[], $3::text[])
		on conflict do nothing`, fcs, istats, names)
	return apperr.Wrap("payments.ensureCreditors", err)
}

// NewInstallment is an installment to create.
type NewInstallment struct {
	AmountCents  int64
	Description  string
	DueDate      time.Time
	TaxonomyCode string
}

// NewPosition is a position to create as a draft.
type NewPosition struct {
	Comune           string
	DebtorID         string
	DebtorFiscalCode string
	DebtorName       string
	PracticeID       string
	Description      string
	ValidityDate     *time.Time
	Installments     []NewInstallment
}

// CreateDraft stores a DRAFT position with an IUPD from the creditor's
// sequence.
func (s *Store) CreateDraft(ctx context.Context, np NewPosition, now time.Time) (string, error) {
	var iupd string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		iupd, err = createDraftTx(ctx, tx, np, now)
		return err
	})
	return iupd, err
}

// createDraftTx is CreateDraft inside the caller's transaction tx.
func createDraftTx(ctx context.Context, tx pgx.Tx, np NewPosition, now time.Time) (string, error) {
	const op = "payments.Store.CreateDraft"
	var iupd string
	err := func() error {
		var fc string
		var n int64
		err := tx.QueryRow(ctx, `update payments.creditors set next_position = next_position + 1
			where istat_code = $1 returning fiscal_code, next_position - 1`, np.Comune).Scan(&fc, &n)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.E(op, apperr.NotFound, "the comune is not a registered creditor")
		}
		if err != nil {
			return err
		}
		iupd = fmt.Sprintf("%s-%d", fc, n)
		var total int64
		for _, in := range np.Installments {
			total += in.AmountCents
		}
		var practice *string
		if np.PracticeID != "" {
			practice = &np.PracticeID
		}
		if _, err := tx.Exec(ctx, `insert into payments.positions (iupd, creditor_fiscal_code, comune, debtor_id,
			debtor_fiscal_code, debtor_name, practice_id, description, status, created_at, validity_date, total_cents)
			values ($1, $2, $3, $4, $5, $6, $7, $8, 'DRAFT', $9, $10, $11)`,
			iupd, fc, np.Comune, np.DebtorID, np.DebtorFiscalCode, np.DebtorName, practice, np.Description,
			now, np.ValidityDate, total); err != nil {
			return err
		}
		for k, in := range np.Installments {
			if _, err := tx.Exec(ctx, `insert into payments.installments (position_iupd, seq, amount_cents,
				description, due_date, taxonomy_code, status) values ($1, $2, $3, $4, $5, $6, 'UNPAID')`,
				iupd, k+1, in.AmountCents, in.Description, in.DueDate, in.TaxonomyCode); err != nil {
				return err
			}
		}
		return nil
	}()
	return iupd, apperr.Wrap(op, err)
}

// lockPosition reads a position for update.
func lockPosition(ctx context.Context, tx pgx.Tx, iupd string) (Position, error) {
	p, err := scanPosition(tx.QueryRow(ctx, `select `+positionCols+positionFrom+` where p.iupd = $1 for update of p`, iupd))
	if errors.Is(err, pgx.ErrNoRows) {
		return p, apperr.E("payments.lockPosition", apperr.NotFound, "no payment position with this IUPD")
	}
	return p, err
}

// Transition runs fn on the locked position inside a transaction; fn
// returns the statements to apply through tx.
func (s *Store) Transition(ctx context.Context, iupd string, fn func(tx pgx.Tx, p Position) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		p, err := lockPosition(ctx, tx, iupd)
		if err != nil {
			return err
		}
		return fn(tx, p)
	})
}
