<?php
// Included on every page by the `fatal` knob: the fault of a real deployment, a helper declared
// twice, so PHP stops with "Cannot redeclare getCurrentUser()" before any page renders.
declare(strict_types=1);

function getCurrentUser(): ?array
{
    return null;
}

function getCurrentUser(): ?array
{
    return null;
}
