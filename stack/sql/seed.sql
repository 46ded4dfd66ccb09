-- Deterministic LoanFlow data, generated inside MariaDB with the Sequence
-- engine (seq_1_to_N): no randomness, the same rows on every machine.
-- @pwhash is set by stackctl (bcrypt of the demo password).
SET unique_checks = 0, foreign_key_checks = 0;

INSERT INTO users (username, password_hash, role, created_at)
SELECT CONCAT('officer', seq), @pwhash, IF(seq <= 5, 'admin', 'officer'),
       '2024-01-01' + INTERVAL seq HOUR
FROM seq_1_to_100;

INSERT INTO borrowers (first_name, last_name, email, phone, credit_score, annual_income, created_at)
SELECT ELT(1 + seq % 12, 'Ana','Ben','Chen','Dara','Eli','Fatima','Gus','Hana','Ivan','Jo','Kofi','Lena'),
       CONCAT(ELT(1 + (seq DIV 12) % 16, 'Smith','Garcia','Nguyen','Okafor','Muller','Rossi','Kim','Silva',
                  'Patel','Cohen','Novak','Larsen','Haddad','Tanaka','Moreau','Brown'), '-', seq % 97),
       CONCAT('borrower', seq, '@example.test'),
       CONCAT('+1-555-', LPAD(seq % 10000, 4, '0')),
       500 + (seq * 37) % 350,
       20000 + (seq * 7919) % 180000,
       '2023-01-01' + INTERVAL (seq % 700) DAY
FROM seq_1_to_20000;

INSERT INTO loan_applications (borrower_id, amount, term_months, purpose, status, created_at)
SELECT 1 + (seq * 131) % 20000, 1000 + (seq * 97) % 49000, ELT(1 + seq % 4, 12, 24, 36, 60),
       ELT(1 + seq % 5, 'debt consolidation', 'car', 'home improvement', 'medical', 'education'),
       ELT(1 + seq % 4, 'submitted', 'review', 'approved', 'rejected'),
       '2024-01-01' + INTERVAL (seq % 600) DAY
FROM seq_1_to_10000;

INSERT INTO loans (borrower_id, application_id, principal, interest_rate, term_months, status, disbursed_at)
SELECT 1 + (seq * 7919) % 20000, IF(seq <= 10000, seq, NULL), 1000 + (seq * 53) % 49000,
       4 + (seq % 140) / 10, 12, ELT(1 + seq % 10, 'active','active','active','active','paid_off',
       'paid_off','paid_off','late','defaulted','active'),
       '2022-01-01' + INTERVAL (seq % 1000) DAY
FROM seq_1_to_50000;

INSERT INTO payment_schedules (loan_id, installment_no, due_date, amount_due)
SELECT l.seq, i.seq, '2022-02-01' + INTERVAL (l.seq % 1000) DAY + INTERVAL i.seq MONTH,
       ROUND((1000 + (l.seq * 53) % 49000) / 12 * 1.05, 2)
FROM seq_1_to_50000 AS l CROSS JOIN seq_1_to_12 AS i;

INSERT INTO payments (loan_id, amount, paid_at, method)
SELECT 1 + seq % 50000, ROUND((1000 + ((1 + seq % 50000) * 53) % 49000) / 12 * 1.05, 2),
       '2022-02-01' + INTERVAL (seq % 1000) DAY + INTERVAL (seq % 86400) SECOND,
       ELT(1 + seq % 4, 'ach', 'card', 'check', 'cash')
FROM seq_1_to_500000;

INSERT INTO audit_log (user_id, action, entity, entity_id, created_at)
SELECT 1 + seq % 100, ELT(1 + seq % 3, 'view', 'update', 'approve'), 'loan', 1 + (seq * 13) % 50000,
       '2024-01-01' + INTERVAL seq MINUTE
FROM seq_1_to_20000;

SET unique_checks = 1, foreign_key_checks = 1;
