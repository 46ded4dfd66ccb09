<?php
// Bookshelf's front controller: every path that is not a file in public/ comes here.
declare(strict_types=1);

require __DIR__ . '/../src/lib.php';

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH) ?: '/';
$method = $_SERVER['REQUEST_METHOD'] ?? 'GET';
const PER_PAGE = 20;

if ($path === '/') {
    $latest = cached('home', 30, fn () => db()->query(
        'SELECT id, title, author FROM books ORDER BY added_at DESC LIMIT 5')->fetch_all(MYSQLI_ASSOC));
    $items = implode('', array_map(fn ($b) => '<li><a href="/book/' . $b['id'] . '">' . e($b['title']) . '</a> by '
        . e($b['author']) . '</li>', $latest));
    page('Bookshelf', "<p>New on the shelf:</p><ul>$items</ul><p><a href=\"/books?page=1\">Every book</a>"
        . ' · <a href="/reports/yearly">Yearly report</a></p><div id="stats" data-src="/api/stats"></div>');
} elseif ($path === '/books') {
    $page = max(1, min(1000, (int) ($_GET['page'] ?? 1)));
    $rows = cached("books:$page", 30, function () use ($page) {
        $stmt = db()->prepare('SELECT id, title, author, year FROM books ORDER BY title LIMIT ? OFFSET ?');
        $limit = PER_PAGE;
        $offset = ($page - 1) * PER_PAGE;
        $stmt->bind_param('ii', $limit, $offset);
        $stmt->execute();
        return $stmt->get_result()->fetch_all(MYSQLI_ASSOC);
    });
    $pages = (int) ceil(((int) db()->query('SELECT COUNT(*) FROM books')->fetch_row()[0]) / PER_PAGE);
    $items = implode('', array_map(fn ($b) => '<li><a href="/book/' . $b['id'] . '">' . e($b['title']) . '</a> ('
        . (int) $b['year'] . ')</li>', $rows));
    $nav = ($page > 1 ? '<a rel="prev" href="/books?page=' . ($page - 1) . '">Previous</a> ' : '')
        . ($page < $pages ? '<a rel="next" href="/books?page=' . ($page + 1) . '">Next</a>' : '');
    page("Books, page $page of $pages", "<ul>$items</ul><p>$nav</p>");
} elseif (preg_match('#^/book/(\d{1,9})$#', $path, $m)) {
    $book = cached("book:{$m[1]}", 60, function () use ($m) {
        $stmt = db()->prepare('SELECT id, title, author, year, summary FROM books WHERE id = ?');
        $id = (int) $m[1];
        $stmt->bind_param('i', $id);
        $stmt->execute();
        return $stmt->get_result()->fetch_assoc();
    });
    if (!$book) {
        http_response_code(404);
        page('Not found', '<p>No such book.</p>');
        return;
    }
    $reviews = db()->query('SELECT rating, body FROM reviews WHERE book_id = ' . (int) $book['id'])->fetch_all(MYSQLI_ASSOC);
    $list = implode('', array_map(fn ($r) => '<li>' . str_repeat('★', (int) $r['rating']) . ' ' . e($r['body']) . '</li>', $reviews));
    page($book['title'], '<p>by <a href="/authors">' . e($book['author']) . '</a>, ' . (int) $book['year'] . '</p><p>'
        . e($book['summary']) . "</p><h2>Reviews</h2><ul>$list</ul>");
} elseif ($path === '/authors') {
    $rows = cached('authors', 60, fn () => db()->query(
        'SELECT author, COUNT(*) AS n FROM books GROUP BY author ORDER BY author')->fetch_all(MYSQLI_ASSOC));
    page('Authors', '<ul>' . implode('', array_map(fn ($a) => '<li>' . e($a['author']) . ' (' . (int) $a['n'] . ')</li>', $rows)) . '</ul>');
} elseif ($path === '/sitemap.xml') {
    header('Content-Type: application/xml');
    $base = 'http://' . preg_replace('/[^A-Za-z0-9.:\[\]-]/', '', (string) ($_SERVER['HTTP_HOST'] ?? 'localhost'));
    $urls = ['/', '/books?page=1', '/books?page=2', '/authors', '/about', '/contact'];
    foreach (db()->query('SELECT id FROM books ORDER BY id LIMIT 10')->fetch_all(MYSQLI_ASSOC) as $b) {
        $urls[] = '/book/' . $b['id'];
    }
    echo '<?xml version="1.0" encoding="UTF-8"?>' . "\n" . '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">';
    foreach ($urls as $u) {
        echo '<url><loc>' . e($base . $u) . '</loc></url>';
    }
    echo "</urlset>\n";
} elseif ($path === '/about') {
    page('About', '<p>A shelf of books and what readers made of them.</p>');
} elseif ($path === '/api/stats') {
    header('Content-Type: application/json');
    echo json_encode(cached('stats', 30, fn () => [
        'books' => (int) db()->query('SELECT COUNT(*) FROM books')->fetch_row()[0],
        'reviews' => (int) db()->query('SELECT COUNT(*) FROM reviews')->fetch_row()[0],
    ]));
} elseif ($path === '/contact' && $method === 'POST') {
    $stmt = db()->prepare('INSERT INTO messages (sender, body) VALUES (?, ?)');
    $from = substr((string) ($_POST['email'] ?? ''), 0, 200);
    $body = substr((string) ($_POST['message'] ?? ''), 0, 2000);
    $stmt->bind_param('ss', $from, $body);
    $stmt->execute();
    page('Thank you', '<p>Your message was sent.</p>');
} elseif ($path === '/contact') {
    page('Contact', '<form method="post" action="/contact"><input name="email" type="email">'
        . '<textarea name="message"></textarea><button>Send</button></form>');
} elseif ($path === '/login') {
    page('Sign in', '<form method="post" action="/login"><input name="user"><input name="password" type="password">'
        . '<button>Sign in</button></form>');
} elseif ($path === '/members/' || $path === '/members/shelf') {
    if (!signed_in()) {
        header('Location: /login', true, 302);
        return;
    }
    $mine = db()->query('SELECT b.id, b.title FROM books b JOIN reviews r ON r.book_id = b.id WHERE r.rating = 5 LIMIT 10')
        ->fetch_all(MYSQLI_ASSOC);
    page('Your shelf', '<ul>' . implode('', array_map(fn ($b) => '<li><a href="/book/' . $b['id'] . '">' . e($b['title'])
        . '</a></li>', $mine)) . '</ul><p><a href="/members/shelf">Refresh</a></p>');
} elseif ($path === '/reports/yearly') {
    // The deployment's fault: a helper the page needs was never deployed (a PHP fatal, logged).
    $years = db()->query('SELECT year, COUNT(*) AS n FROM books GROUP BY year')->fetch_all(MYSQLI_ASSOC);
    page('Yearly report', render_year_table($years));
} else {
    http_response_code(404);
    page('Not found', '<p>There is no such page.</p>');
}
