-- LoanFlow reference schema: the tables and indexes a real loan system has.
CREATE TABLE IF NOT EXISTS users (
  id INT UNSIGNED PRIMARY KEY AUTO_INCREMENT,
  username VARCHAR(64) NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  role ENUM('officer','admin','borrower') NOT NULL DEFAULT 'officer',
  created_at DATETIME NOT NULL,
  UNIQUE KEY uq_users_username (username)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS borrowers (
  id INT UNSIGNED PRIMARY KEY AUTO_INCREMENT,
  first_name VARCHAR(64) NOT NULL,
  last_name VARCHAR(64) NOT NULL,
  email VARCHAR(128) NOT NULL,
  phone VARCHAR(32) NOT NULL,
  credit_score SMALLINT UNSIGNED NOT NULL,
  annual_income DECIMAL(12,2) NOT NULL,
  created_at DATETIME NOT NULL,
  UNIQUE KEY uq_borrowers_email (email),
  KEY idx_borrowers_last_name (last_name, first_name)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS loan_applications (
  id INT UNSIGNED PRIMARY KEY AUTO_INCREMENT,
  borrower_id INT UNSIGNED NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  term_months SMALLINT UNSIGNED NOT NULL,
  purpose VARCHAR(64) NOT NULL,
  status ENUM('submitted','review','approved','rejected') NOT NULL DEFAULT 'submitted',
  created_at DATETIME NOT NULL,
  KEY idx_applications_borrower (borrower_id),
  KEY idx_applications_status_created (status, created_at),
  CONSTRAINT fk_app_borrower FOREIGN KEY (borrower_id) REFERENCES borrowers (id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS loans (
  id INT UNSIGNED PRIMARY KEY AUTO_INCREMENT,
  borrower_id INT UNSIGNED NOT NULL,
  application_id INT UNSIGNED NULL,
  principal DECIMAL(12,2) NOT NULL,
  interest_rate DECIMAL(5,3) NOT NULL,
  term_months SMALLINT UNSIGNED NOT NULL,
  status ENUM('active','paid_off','defaulted','late') NOT NULL,
  disbursed_at DATE NOT NULL,
  KEY idx_loans_borrower (borrower_id, id),
  KEY idx_loans_status (status),
  CONSTRAINT fk_loan_borrower FOREIGN KEY (borrower_id) REFERENCES borrowers (id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS payment_schedules (
  id INT UNSIGNED PRIMARY KEY AUTO_INCREMENT,
  loan_id INT UNSIGNED NOT NULL,
  installment_no SMALLINT UNSIGNED NOT NULL,
  due_date DATE NOT NULL,
  amount_due DECIMAL(12,2) NOT NULL,
  KEY idx_schedule_loan (loan_id, installment_no)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS payments (
  id INT UNSIGNED PRIMARY KEY AUTO_INCREMENT,
  loan_id INT UNSIGNED NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  paid_at DATETIME NOT NULL,
  method ENUM('ach','card','check','cash') NOT NULL,
  KEY idx_payments_loan (loan_id, paid_at)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS audit_log (
  id BIGINT UNSIGNED PRIMARY KEY AUTO_INCREMENT,
  user_id INT UNSIGNED NULL,
  action VARCHAR(64) NOT NULL,
  entity VARCHAR(32) NOT NULL,
  entity_id INT UNSIGNED NOT NULL,
  created_at DATETIME NOT NULL,
  KEY idx_audit_entity (entity, entity_id),
  KEY idx_audit_created (created_at)
) ENGINE=InnoDB;
