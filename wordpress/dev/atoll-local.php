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

/*
 * The content model the contract tests sync beside posts (WORDPRESS_POST_TYPES=post,page,book):
 * a custom post type "book" at /wp/v2/books with registered meta (show_in_rest), and an
 * `acf` REST field shaped like Advanced Custom Fields' (which can't be installed offline).
 */
add_action(
	'init',
	function () {
		register_post_type(
			'book',
			array(
				'label'        => 'Books',
				'labels'       => array( 'name' => 'Books', 'singular_name' => 'Book' ),
				'public'       => true,
				'show_in_rest' => true,
				'rest_base'    => 'books',
				'has_archive'  => true,
				'supports'     => array( 'title', 'editor', 'excerpt', 'author', 'thumbnail', 'custom-fields' ),
			)
		);
		$meta = array(
			'isbn'  => 'string',
			'pages' => 'integer',
		);
		foreach ( $meta as $key => $type ) {
			register_post_meta(
				'book',
				$key,
				array(
					'type'         => $type,
					'single'       => true,
					'show_in_rest' => true,
				)
			);
		}
		register_post_meta(
			'page',
			'subtitle',
			array(
				'type'         => 'string',
				'single'       => true,
				'show_in_rest' => true,
			)
		);
		register_rest_field(
			'book',
			'acf',
			array(
				'get_callback' => function ( $book ) {
					// ACF sends every field of the group, unset ones as false or "".
					return array(
						'blurb'    => (string) get_post_meta( $book['id'], 'acf_blurb', true ),
						'subtitle' => (string) get_post_meta( $book['id'], 'acf_subtitle', true ),
					);
				},
				'schema'       => array( 'type' => 'object' ),
			)
		);
	}
);

// The webhook tells Atoll about pages and books too.
add_filter(
	'atoll_webhook_post_types',
	function ( $types ) {
		return array_values( array_unique( array_merge( (array) $types, array( 'page', 'book' ) ) ) );
	}
);
