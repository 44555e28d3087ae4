package payments

import (
	"time"

	paymentsgql "github.com/citizengraph/citizengraph/graph/payments"
	"github.com/citizengraph/citizengraph/internal/apperr"
	"github.com/citizengraph/citizengraph/subgraphs/payments"
)

func toPosition(p *payments.Position) *paymentsgql.PaymentPosition {
	if p == nil {
		return nil
	}
	out := &paymentsgql.PaymentPosition{
		Iupd:             p.IUPD,
		Creditor:         &paymentsgql.Creditor{FiscalCode: p.Creditor.FiscalCode, Name: p.Creditor.Name},
		Comune:           &paymentsgql.Comune{IstatCode: p.Comune},
		Debtor:           &paymentsgql.Person{ID: p.DebtorID},
		DebtorFiscalCode: p.DebtorFiscalCode,
		DebtorName:       p.DebtorName,
		Description:      p.Description,
		Status:           paymentsgql.PaymentPositionStatus(p.Status),
		CreatedAt:        p.CreatedAt,
		PublishedAt:      p.PublishedAt,
		ValidityDate:     p.ValidityDate,
		TotalCents:       p.TotalCents,
		PaidCents:        p.PaidCents,
	}
	if p.PracticeID != "" {
		out.Practice = &paymentsgql.Practice{ID: p.PracticeID}
	}
	return out
}

func toPositions(ps []payments.Position) []*paymentsgql.PaymentPosition {
	out := make([]*paymentsgql.PaymentPosition, len(ps))
	for i := range ps {
		out[i] = toPosition(&ps[i])
	}
	return out
}

func (r *Resolver) toInstallment(in *payments.Installment) *paymentsgql.Installment {
	out := &paymentsgql.Installment{
		AmountCents: in.AmountCents,
		Description: in.Description,
		DueDate:     in.DueDate.Format(time.DateOnly),
		Status:      paymentsgql.InstallmentStatus(in.Status),
		Receipt:     toReceipt(in.Receipt),
		Position:    &paymentsgql.PaymentPosition{Iupd: in.PositionIUPD},
	}
	if in.NoticeNumber != "" {
		notice, iuv := in.NoticeNumber, in.IUV
		qr := payments.QRCodePayload(notice, in.CreditorFiscalCode, in.AmountCents)
		out.NoticeNumber, out.Iuv, out.QRCodePayload = &notice, &iuv, &qr
	}
	if t, ok := r.svc.Taxonomy(in.TaxonomyCode); ok {
		out.Taxonomy = &paymentsgql.TaxonomyEntry{Code: t.Code, MacroArea: t.MacroArea, ServiceType: t.ServiceType,
			LegalReason: t.LegalReason, Description: t.Description}
	}
	return out
}

func toReceipt(rc *payments.Receipt) *paymentsgql.Receipt {
	if rc == nil {
		return nil
	}
	return &paymentsgql.Receipt{ReceiptID: rc.ReceiptID, PspID: rc.PSPID, PspName: rc.PSPName,
		Method: paymentsgql.PaymentMethod(rc.Method), PaidAt: rc.PaidAt, AmountCents: rc.AmountCents, FeeCents: rc.FeeCents}
}

func toConnection(pg *payments.Page) *paymentsgql.PaymentPositionConnection {
	c := &paymentsgql.PaymentPositionConnection{
		Edges:      make([]*paymentsgql.PaymentPositionEdge, len(pg.Positions)),
		Nodes:      make([]*paymentsgql.PaymentPosition, len(pg.Positions)),
		PageInfo:   &paymentsgql.PageInfo{HasNextPage: pg.HasNextPage},
		TotalCount: pg.TotalCount,
	}
	for i := range pg.Positions {
		n := toPosition(&pg.Positions[i])
		c.Nodes[i] = n
		c.Edges[i] = &paymentsgql.PaymentPositionEdge{Cursor: pg.Cursors[i], Node: n}
	}
	if len(pg.Cursors) > 0 {
		end := pg.Cursors[len(pg.Cursors)-1]
		c.PageInfo.EndCursor = &end
	}
	return c
}

func fromCreateInput(in paymentsgql.CreatePaymentPositionInput) payments.CreateInput {
	out := payments.CreateInput{Comune: in.Comune, DebtorID: in.DebtorID, DebtorFiscalCode: in.DebtorFiscalCode,
		DebtorName: in.DebtorName, Description: in.Description, ValidityDate: in.ValidityDate}
	if in.PracticeID != nil {
		out.PracticeID = *in.PracticeID
	}
	for _, it := range in.Installments {
		if it == nil {
			continue
		}
		out.Installments = append(out.Installments, payments.InstallmentInput{AmountCents: it.AmountCents,
			Description: it.Description, DueDate: it.DueDate, TaxonomyCode: it.TaxonomyCode})
	}
	return out
}

func invalid(op, msg string) error { return apperr.E(op, apperr.Invalid, msg) }
