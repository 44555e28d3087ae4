-- When the debtor was reminded of an installment near its due date
-- (payment.notice_due_soon on the bus), so that it happens once.
alter table payments.installments add column reminded_at timestamptz;
