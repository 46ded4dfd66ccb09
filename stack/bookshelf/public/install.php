<?php
// Bookshelf's installer, left in the web root after setup: anyone who opens it can point the site at
// another database. (A real deployment's fault; it writes nothing here, but answers as if it would.)
declare(strict_types=1);
header('Content-Type: text/html; charset=utf-8');
?>
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bookshelf setup</title></head><body>
<h1>Bookshelf installation</h1>
<p>Step 1 of 3: database connection. Submitting this form overwrites config.php.</p>
<form method="post" action="/install.php">
  <label>Database host <input name="db_host" value="127.0.0.1"></label>
  <label>Database name <input name="db_name" value="bookshelf"></label>
  <label>Database user <input name="db_user"></label>
  <label>Database password <input name="db_pass" type="password"></label>
  <label>Admin password <input name="admin_pass" type="password"></label>
  <button>Install</button>
</form>
</body></html>
