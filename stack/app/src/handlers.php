<?php
// LoanFlow reference app: endpoint handlers.
declare(strict_types=1);

function handle_dashboard(): void
{
    $stats = App::cached('loanflow:dashboard:stats', 30, function (): array {
        $rows = App::db()->query('SELECT status, COUNT(*) AS n, SUM(principal) AS total FROM loans GROUP BY status')
            ->fetchAll();
        return $rows;
    });
    header('Content-Type: text/html; charset=utf-8');
    $rows = '';
    foreach ($stats as $r) {
        $rows .= sprintf('<tr><td>%s</td><td>%d</td><td>%s</td></tr>',
            htmlspecialchars((string) $r['status']), (int) $r['n'], number_format((float) $r['total'], 2));
    }
    $recent = '';
    if (Knobs::get('n_plus_one') === 'on') {
        // The N+1 loop of a real page: the ids first, then one query per row, never cached. Written
        // with plain (client-side) queries, as legacy loops are: MariaDB keeps no digest of server-side
        // prepared statements, so those would show in the statement count only.
        $db = App::db();
        $db->setAttribute(PDO::ATTR_EMULATE_PREPARES, true);
        foreach ($db->query('SELECT id FROM loans ORDER BY id DESC LIMIT 100')->fetchAll(PDO::FETCH_COLUMN) as $id) {
            $loan = $db->query('SELECT id, principal, status FROM loans WHERE id = ' . (int) $id)->fetch();
            $recent .= sprintf('<tr><td>%d</td><td>%s</td><td>%s</td></tr>', (int) $loan['id'],
                htmlspecialchars((string) $loan['status']), number_format((float) $loan['principal'], 2));
        }
        $db->setAttribute(PDO::ATTR_EMULATE_PREPARES, false);
        $recent = "<h2>Latest loans</h2><table><tbody>$recent</tbody></table>";
    }
    echo <<<HTML
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LoanFlow dashboard</title>
<link rel="stylesheet" href="/static/app.css"><script src="/static/app.js" defer></script></head>
<body><header><img src="/static/logo.svg" alt="LoanFlow" width="120" height="32"><h1>Portfolio</h1></header>
<nav><a href="/api/loans/4242">Loan 4242</a> <a href="/api/loans/31337">Loan 31337</a>
<a href="/api/borrowers/7919/loans?page=1">Borrower 7919's loans</a></nav>
<table><thead><tr><th>Status</th><th>Loans</th><th>Principal</th></tr></thead><tbody>$rows</tbody></table>
$recent
<form method="get" action="/api/search"><input name="q" value="Smith"><button>Search borrowers</button></form>
<form method="post" action="/api/applications"><input name="borrower_id"><input name="amount">
<button>Apply for a loan</button></form>
</body></html>
HTML;
}

function handle_borrower_loans(int $borrowerId): void
{
    $page = max(1, (int) ($_GET['page'] ?? 1));
    $per = min(100, max(1, (int) ($_GET['per_page'] ?? 20)));
    $data = App::cached("loanflow:borrower:$borrowerId:loans:$page:$per", 60, function () use ($borrowerId, $page, $per) {
        $st = App::reader()->prepare('SELECT id, principal, interest_rate, term_months, status, disbursed_at
            FROM loans WHERE borrower_id = ? ORDER BY id LIMIT ? OFFSET ?');
        $st->bindValue(1, $borrowerId, PDO::PARAM_INT);
        $st->bindValue(2, $per, PDO::PARAM_INT);
        $st->bindValue(3, ($page - 1) * $per, PDO::PARAM_INT);
        $st->execute();
        $loans = $st->fetchAll();
        $total = App::reader()->prepare('SELECT COUNT(*) FROM loans WHERE borrower_id = ?');
        $total->execute([$borrowerId]);
        return ['borrower_id' => $borrowerId, 'page' => $page, 'per_page' => $per,
                'total' => (int) $total->fetchColumn(), 'loans' => $loans];
    });
    json_response(200, $data);
}

function handle_loan(int $loanId): void
{
    $data = App::cached("loanflow:loan:$loanId", 60, function () use ($loanId) {
        $st = App::reader()->prepare('SELECT * FROM loans WHERE id = ?');
        $st->execute([$loanId]);
        $loan = $st->fetch();
        if ($loan === false) {
            return null;
        }
        $sc = App::reader()->prepare('SELECT installment_no, due_date, amount_due FROM payment_schedules
            WHERE loan_id = ? ORDER BY installment_no');
        $sc->execute([$loanId]);
        $loan['schedule'] = $sc->fetchAll();
        $pm = App::reader()->prepare('SELECT COUNT(*) AS n, COALESCE(SUM(amount), 0) AS paid FROM payments WHERE loan_id = ?');
        $pm->execute([$loanId]);
        $loan['payments'] = $pm->fetch();
        return $loan;
    });
    if ($data === null) {
        json_response(404, ['error' => 'loan not found']);
        return;
    }
    json_response(200, $data);
}

function handle_search(): void
{
    $q = trim((string) ($_GET['q'] ?? ''));
    if ($q === '' || strlen($q) > 64) {
        json_response(422, ['error' => 'q must be 1 to 64 characters']);
        return;
    }
    $data = App::cached('loanflow:search:' . md5(strtolower($q)), 30, function () use ($q) {
        $st = App::reader()->prepare('SELECT id, first_name, last_name, email FROM borrowers
            WHERE last_name LIKE ? ORDER BY last_name, first_name LIMIT 20');
        $st->execute([addcslashes($q, '%_') . '%']);
        return $st->fetchAll();
    });
    json_response(200, ['query' => $q, 'results' => $data]);
}

function read_body(): array
{
    $raw = (string) file_get_contents('php://input');
    $type = $_SERVER['CONTENT_TYPE'] ?? '';
    if (str_starts_with($type, 'application/json')) {
        $data = json_decode($raw, true);
        return is_array($data) ? $data : [];
    }
    return $_POST;
}

function handle_application(): void
{
    $b = read_body();
    $borrower = (int) ($b['borrower_id'] ?? 0);
    $amount = (float) ($b['amount'] ?? 0);
    $term = (int) ($b['term_months'] ?? 0);
    $purpose = substr(trim((string) ($b['purpose'] ?? '')), 0, 64);
    if ($borrower < 1 || $amount < 100 || $amount > 1000000 || !in_array($term, [12, 24, 36, 60], true) || $purpose === '') {
        json_response(422, ['error' => 'borrower_id, amount (100..1000000), term_months (12/24/36/60) and purpose are required']);
        return;
    }
    $db = App::db();
    $st = $db->prepare('INSERT INTO loan_applications (borrower_id, amount, term_months, purpose, status, created_at)
        SELECT id, ?, ?, ?, \'submitted\', NOW() FROM borrowers WHERE id = ?');
    $st->execute([$amount, $term, $purpose, $borrower]);
    if ($st->rowCount() === 0) {
        json_response(404, ['error' => 'borrower not found']);
        return;
    }
    $id = (int) $db->lastInsertId();
    $db->prepare('INSERT INTO audit_log (user_id, action, entity, entity_id, created_at) VALUES (NULL, ?, ?, ?, NOW())')
        ->execute(['submit', 'application', $id]);
    json_response(201, ['id' => $id, 'status' => 'submitted'], ['Location' => "/api/applications/$id"]);
}

function handle_login(): void
{
    $b = read_body();
    $user = (string) ($b['username'] ?? '');
    $pass = (string) ($b['password'] ?? '');
    $st = App::db()->prepare('SELECT id, password_hash, role FROM users WHERE username = ?');
    $st->execute([$user]);
    $row = $st->fetch();
    if ($row === false || !password_verify($pass, $row['password_hash'])) {
        json_response(401, ['error' => 'invalid credentials']);
        return;
    }
    session_start();
    session_regenerate_id(true);
    $_SESSION['user_id'] = (int) $row['id'];
    $_SESSION['role'] = $row['role'];
    json_response(200, ['user' => $user, 'role' => $row['role']]);
}

function handle_me(): void
{
    if (!isset($_COOKIE[session_name()])) {
        json_response(401, ['error' => 'not logged in']);
        return;
    }
    session_start(['read_and_close' => true]);
    if (!isset($_SESSION['user_id'])) {
        json_response(401, ['error' => 'not logged in']);
        return;
    }
    json_response(200, ['user_id' => $_SESSION['user_id'], 'role' => $_SESSION['role']]);
}

function handle_health(): void
{
    $checks = [];
    $t = microtime(true);
    try {
        App::db()->query('SELECT 1')->fetchColumn();
        $checks['mariadb'] = ['ok' => true];
    } catch (Throwable $e) {
        $checks['mariadb'] = ['ok' => false, 'error' => 'unreachable'];
    }
    $checks['mariadb']['latency_ms'] = round((microtime(true) - $t) * 1000, 2);
    $t = microtime(true);
    try {
        $checks['redis'] = ['ok' => App::redis()->ping() !== false];
    } catch (Throwable $e) {
        $checks['redis'] = ['ok' => false, 'error' => 'unreachable'];
    }
    $checks['redis']['latency_ms'] = round((microtime(true) - $t) * 1000, 2);
    $ok = $checks['mariadb']['ok'] && $checks['redis']['ok'];
    json_response($ok ? 200 : 503, ['status' => $ok ? 'ok' : 'degraded', 'checks' => $checks]);
}

function handle_metrics(): void
{
    header('Content-Type: text/plain; version=0.0.4; charset=utf-8');
    $out = "# HELP loanflow_up Whether the LoanFlow app answers.\n# TYPE loanflow_up gauge\nloanflow_up 1\n";
    $out .= "# HELP loanflow_requests_total Requests served, by endpoint and status.\n# TYPE loanflow_requests_total counter\n";
    try {
        $counts = App::redis()->hGetAll('loanflow:metrics:requests') ?: [];
        ksort($counts);
        foreach ($counts as $key => $n) {
            [$endpoint, $status] = explode('|', (string) $key, 2) + [1 => '0'];
            $out .= sprintf("loanflow_requests_total{endpoint=\"%s\",status=\"%s\"} %d\n",
                addcslashes($endpoint, "\"\\\n"), addcslashes($status, "\"\\\n"), (int) $n);
        }
        $info = App::redis()->info('stats');
        $out .= "# HELP loanflow_cache_hits_total Redis keyspace hits.\n# TYPE loanflow_cache_hits_total counter\n";
        $out .= 'loanflow_cache_hits_total ' . (int) ($info['keyspace_hits'] ?? 0) . "\n";
        $out .= "# HELP loanflow_cache_misses_total Redis keyspace misses.\n# TYPE loanflow_cache_misses_total counter\n";
        $out .= 'loanflow_cache_misses_total ' . (int) ($info['keyspace_misses'] ?? 0) . "\n";
    } catch (Throwable $e) {
        $out .= "# redis unavailable\n";
    }
    $out .= "# HELP loanflow_worker_memory_bytes Memory of the PHP worker serving this scrape.\n# TYPE loanflow_worker_memory_bytes gauge\n";
    $out .= 'loanflow_worker_memory_bytes ' . memory_get_usage(true) . "\n";
    echo $out;
}
