<?php
// LoanFlow reference app: front controller and router.
declare(strict_types=1);

require __DIR__ . '/../src/bootstrap.php';
require __DIR__ . '/../src/handlers.php';
register_shutdown_function([Truth::class, 'write']);

if (Knobs::get('fatal') === 'on') {
    require __DIR__ . '/../src/broken.php';  // a fatal error on every page, written to the error log
}
if (Knobs::get('silent_errors') === 'on') {
    http_response_code(500);  // a 500 with an empty body and nothing logged
    exit;
}

set_exception_handler(function (Throwable $e): void {
    error_log('loanflow: ' . $e->getMessage());
    if (!headers_sent()) {
        json_response(500, ['error' => 'internal error']);
    }
});

ob_start();
$start = microtime(true);
$method = $_SERVER['REQUEST_METHOD'] ?? 'GET';
$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH) ?: '/';
$endpoint = 'other';
$api = str_starts_with($path, '/api/');
$monitoring = Knobs::get('monitoring') === 'on';

leak_memory((int) Knobs::get('leak_kb'));

if ($api) {
    $delay = (int) Knobs::get('latency_ms');
    if ($delay > 0) {
        usleep(min($delay, 10000) * 1000);
    }
    $burn = (int) Knobs::get('cpu_burn_ms');
    if ($burn > 0) {  // CPU, not waiting: a page that computes too much on every request
        $until = hrtime(true) + min($burn, 1000) * 1000000;
        for ($x = ''; hrtime(true) < $until;) {
            $x = md5($x);
        }
    }
    $rate = (float) Knobs::get('error_rate');
    if ($rate > 0 && mt_rand() / mt_getrandmax() < $rate) {
        App::count('injected_error', 500);
        json_response(500, ['error' => 'internal error']);
        return;
    }
}

if ($method === 'GET' && $path === '/') {
    $endpoint = 'dashboard';
    handle_dashboard();
} elseif ($method === 'GET' && preg_match('#^/api/borrowers/(\d{1,9})/loans$#', $path, $m)) {
    $endpoint = 'borrower_loans';
    handle_borrower_loans((int) $m[1]);
} elseif ($method === 'GET' && preg_match('#^/api/loans/(\d{1,9})$#', $path, $m)) {
    $endpoint = 'loan';
    handle_loan((int) $m[1]);
} elseif ($method === 'GET' && $path === '/api/search') {
    $endpoint = 'search';
    handle_search();
} elseif ($method === 'POST' && $path === '/api/applications') {
    $endpoint = 'application';
    handle_application();
} elseif ($method === 'POST' && $path === '/login') {
    $endpoint = 'login';
    handle_login();
} elseif ($method === 'GET' && $path === '/api/me') {
    $endpoint = 'me';
    handle_me();
} elseif ($monitoring && $method === 'GET' && $path === '/health') {
    $endpoint = 'health';
    handle_health();
} elseif ($monitoring && $method === 'GET' && $path === '/metrics') {
    $endpoint = 'metrics';
    handle_metrics();
} elseif ($monitoring && $method === 'GET' && $path === '/opcache-status') {
    $endpoint = 'opcache_status';
    // OPcache's own figures for perfscore (monitoring.opcache_status); false when OPcache is off.
    json_response(200, function_exists('opcache_get_status') ? opcache_get_status(false) : false);
} else {
    json_response(404, ['error' => 'not found']);
}

if ($monitoring && !headers_sent()) {
    header(sprintf('Server-Timing: app;dur=%.2f', (microtime(true) - $start) * 1000));
}
App::count($endpoint, http_response_code() ?: 200);
