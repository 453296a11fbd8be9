<?php
/**
 * Plugin Name: Atoll local development
 * Description: Must-use plugin installed by scripts/wordpress-dev. Allows application
 * passwords over plain http, which WordPress otherwise only offers on https sites; the dev
 * WordPress listens on 127.0.0.1 only, so no password ever crosses a network.
 *
 * Never install this on a public site.
 */

defined( 'ABSPATH' ) || exit;

add_filter( 'wp_is_application_passwords_available', '__return_true' );
