-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)
-- Host: localhost    Database: bookshelf
-- Left in the web root by a backup script (the reference stack's second app: a fake, for perfscore's tests).
DROP TABLE IF EXISTS `admins`;
CREATE TABLE `admins` (`id` int NOT NULL, `login` varchar(60), `password_hash` varchar(255), PRIMARY KEY (`id`));
INSERT INTO `admins` VALUES (1,'admin','$2y$10$not.a.real.hash.but.shaped.like.one.for.the.tests.only.xx');
-- password pepper from config.php: BOOKSHELF_PEPPER='not-a-real-pepper'
