-- Bookshelf's schema and seed (stack/stackctl loads it into the reference stack's MariaDB).
CREATE TABLE IF NOT EXISTS books (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  title VARCHAR(200) NOT NULL,
  author VARCHAR(120) NOT NULL,
  year SMALLINT NOT NULL,
  summary TEXT NOT NULL,
  added_at DATETIME NOT NULL,
  KEY idx_books_added (added_at),
  KEY idx_books_title (title)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS reviews (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  book_id INT UNSIGNED NOT NULL,
  rating TINYINT NOT NULL,
  body VARCHAR(500) NOT NULL,
  KEY idx_reviews_book (book_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS messages (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  sender VARCHAR(200) NOT NULL,
  body TEXT NOT NULL,
  sent_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO books (id, title, author, year, summary, added_at)
SELECT seq,
       CONCAT(ELT(1 + seq % 8, 'The Quiet', 'A Long', 'Winter', 'The Last', 'Salt and', 'Northern', 'The Glass', 'Small'),
              ' ', ELT(1 + (seq DIV 8) % 7, 'Harbour', 'Orchard', 'Letters', 'Machine', 'River', 'Garden', 'Hours'),
              ' ', seq),
       CONCAT('Author ', 1 + seq % 60),
       1950 + seq % 74,
       CONCAT('A story in ', 3 + seq % 20, ' chapters about a place and the people who keep returning to it.'),
       '2024-01-01' + INTERVAL seq HOUR
FROM seq_1_to_400;

INSERT INTO reviews (book_id, rating, body)
SELECT 1 + seq % 400, 1 + seq % 5, CONCAT('Review ', seq, ': ', ELT(1 + seq % 3, 'loved it', 'slow start', 'would reread'))
FROM seq_1_to_1200;
